// BERT's masking rule: which positions are selected, what they become, and the labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskTokens, IGNORE_INDEX, BERT_MASKING } from '../../src/pretrain/masking.js';
import { mulberry32 } from '../../src/data/splits.js';
import { holdOutDocuments } from '../../src/pretrain/text.js';
import { mostFrequentToken } from '../../src/pretrain/masked-lm.js';
import { epochOrder } from '../../src/pretrain/common.js';

const VOCAB = { maskId: 4, vocabSize: 50, specialIds: [0, 1, 2, 3, 4] };

/** 2,000 rows of [CLS] w w ... w [SEP] [PAD] [PAD] with w in 5..49. */
function rows(): Int32Array {
  const random = mulberry32(7);
  const out: number[] = [];
  for (let r = 0; r < 2000; r++) {
    out.push(2);
    for (let i = 0; i < 13; i++) out.push(5 + Math.floor(random() * 45));
    out.push(3, 0, 0);
  }
  return Int32Array.from(out);
}

test('maskTokens: only real tokens are selected; labels hold the original there and IGNORE_INDEX elsewhere', () => {
  const ids = rows();
  const m = maskTokens(ids, VOCAB, mulberry32(1));
  const selected = new Set(m.selected);
  for (let i = 0; i < ids.length; i++) {
    if (selected.has(i)) {
      assert.ok(ids[i] >= 5, `special token selected at ${i}`);
      assert.equal(m.labels[i], ids[i]);
    } else {
      assert.equal(m.labels[i], IGNORE_INDEX);
      assert.equal(m.inputIds[i], ids[i], `unselected position ${i} changed`);
    }
  }
  assert.deepEqual(m.selected, [...m.selected].sort((a, b) => a - b));
});

test('maskTokens: ~15% of real tokens selected; of those ~80% [MASK], ~10% random non-special, ~10% kept', () => {
  const ids = rows();
  const real = ids.filter((id) => id >= 5).length; // 26,000
  const m = maskTokens(ids, VOCAB, mulberry32(2));
  const n = m.selected.length;
  // Binomial sd of the selection count: sqrt(26000 * .15 * .85) = 58; allow 5 sd.
  assert.ok(Math.abs(n - real * BERT_MASKING.probability) < 5 * 58, `selected ${n} of ${real}`);
  let masked = 0;
  let changed = 0;
  let kept = 0;
  for (const i of m.selected) {
    if (m.inputIds[i] === VOCAB.maskId) masked++;
    else if (m.inputIds[i] === ids[i]) kept++;
    else {
      changed++;
      assert.ok(m.inputIds[i] >= 5, 'a random replacement must not be a special token');
    }
  }
  // A random draw equal to the original counts as kept: expected kept share 0.1 + 0.1/45.
  const sd = (p: number): number => Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(masked - 0.8 * n) < 5 * sd(0.8), `masked ${masked} of ${n}`);
  assert.ok(Math.abs(changed - (0.1 - 0.1 / 45) * n) < 5 * sd(0.1), `random ${changed} of ${n}`);
  assert.ok(Math.abs(kept - (0.1 + 0.1 / 45) * n) < 5 * sd(0.1), `kept ${kept} of ${n}`);
});

test('maskTokens: the same generator state gives the same corruption; another seed a different one', () => {
  const ids = rows();
  const a = maskTokens(ids, VOCAB, mulberry32(3));
  const b = maskTokens(ids, VOCAB, mulberry32(3));
  const c = maskTokens(ids, VOCAB, mulberry32(4));
  assert.deepEqual(a.inputIds, b.inputIds);
  assert.deepEqual(a.selected, b.selected);
  assert.notDeepEqual(a.selected, c.selected);
});

test('epochOrder: a permutation, fixed by (seed, epoch), different across epochs', () => {
  const a = epochOrder(1000, 5, 1);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(a, epochOrder(1000, 5, 1));
  assert.notDeepEqual(a, epochOrder(1000, 5, 2));
  assert.notDeepEqual(a, epochOrder(1000, 6, 1));
});

test('holdOutDocuments: whole documents held out, at least the fraction, disjoint, deterministic', () => {
  const passages = Array.from({ length: 40 }, (_, d) => Array.from({ length: 1 + (d % 5) }, (_, i) => ({ id: `src/doc${d}/${String(i).padStart(4, '0')}`, source: 'sotu' as const, text: 'x' }))).flat();
  const a = holdOutDocuments(passages, 0.1, 0);
  assert.ok(a.heldOut.length >= 0.1 * passages.length);
  assert.equal(a.train.length + a.heldOut.length, passages.length);
  const heldDocs = new Set(a.heldOut.map((p) => p.id.slice(0, p.id.lastIndexOf('/'))));
  assert.deepEqual([...heldDocs].sort(), a.heldOutDocuments);
  assert.ok(a.train.every((p) => !heldDocs.has(p.id.slice(0, p.id.lastIndexOf('/')))), 'a document is split across train and held-out');
  assert.deepEqual(holdOutDocuments(passages, 0.1, 0).heldOutDocuments, a.heldOutDocuments);
  assert.notDeepEqual(holdOutDocuments(passages, 0.1, 1).heldOutDocuments, a.heldOutDocuments);
});

test('mostFrequentToken: counts only maskable tokens (specials such as [CLS] are not candidates)', () => {
  const r = [Int32Array.from([2, 7, 7, 9, 3]), Int32Array.from([2, 9, 9, 3, 0])];
  assert.equal(mostFrequentToken(r, [0, 1, 2, 3, 4]), 9);
});

test('augmentRecord: a shift brings in zero background, a flip mirrors columns; no pad and no flip is the identity', async () => {
  const { augmentRecord } = await import('../../src/pretrain/augment.js');
  // 3x3 grey image 1..9; random() values steer dy, dx and the flip.
  const record = { id: 'x', label: 0, height: 3, width: 3, channels: 1 as const, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) };
  const feed = (...values: number[]) => () => values.shift()!;
  // pad 1: dy = floor(r * 3) - 1. r = 0.9 -> dy = +1 (rows shift up), r = 0.5 -> dx = 0; flip r = 0.9 -> no flip.
  assert.deepEqual([...augmentRecord(record, { pad: 1, flip: true }, feed(0.9, 0.5, 0.9)).pixels], [4, 5, 6, 7, 8, 9, 0, 0, 0]);
  // dy = 0, dx = -1 (columns shift right), flip (r = 0.1 < 0.5): the mirrored image [3 2 1], shifted.
  assert.deepEqual([...augmentRecord(record, { pad: 1, flip: true }, feed(0.5, 0.1, 0.1)).pixels], [0, 3, 2, 0, 6, 5, 0, 9, 8]);
  assert.deepEqual([...augmentRecord(record, { pad: 0, flip: false }, feed()).pixels], [...record.pixels]);
  assert.deepEqual([...record.pixels], [1, 2, 3, 4, 5, 6, 7, 8, 9], 'the input is not modified');
});
