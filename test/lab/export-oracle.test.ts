// `adaptlab export` against PyTorch: the exported model.safetensors loads into PyTorch's own
// models with load_state_dict(strict=True) and predicts what adaptlab predicts.
//
// test/fixtures/export/expected.json was written by PyTorch (torch 1.13, torchvision 0.14) from
// exports made by test/fixtures/export/make-exports.ts; see gen_export_fixtures.py. Regenerate:
//   npx tsc -p tsconfig.json
//   rm -rf /tmp/adaptlab-exports && node dist/test/fixtures/export/make-exports.js /tmp/adaptlab-exports
//   /usr/bin/python3 test/fixtures/export/gen_export_fixtures.py /tmp/adaptlab-exports
// This test needs no Python: it re-creates the same exports with exportModel, requires each
// model.safetensors to be byte-identical (sha256) to the file PyTorch loaded strictly, loads it
// back with adaptlab's loaders and compares adaptlab's forward with PyTorch's logits and argmax.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidy, noGrad, fromTypedArray, type Tensor } from '../../src/tensor/index.js';
import { loadResnet, loadBert } from '../../src/models/index.js';
import { BertTokenizer } from '../../src/data/tokenizer.js';
import { readJsonFixture, assertClose, snapshot, type TensorFixture } from '../helpers.js';
import { bertInput, disposeInput } from '../models/fill.js';
import { makeExports, VISION_CASES, TEXT_CASE } from '../fixtures/export/make-exports.js';

interface ExpectedModel {
  sha256: string;
  bytes: number;
  keys: number;
  metadataKeys: string[];
  files: string[];
  logits: TensorFixture;
  predictions: number[];
  maxAbsDiffFromTorchFill: number;
  // vision
  arch?: string;
  inputShape?: number[];
  inputSha256?: string;
  // text
  texts?: (string | [string, string])[];
  inputIds?: number[][];
  attentionMask?: number[][];
  tokenTypeIds?: number[][];
  id2label?: Record<string, string>;
}
interface Expected {
  torch: string;
  models: Record<string, ExpectedModel>;
}

const expected = readJsonFixture<Expected>('export', 'expected.json');
let root: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'adaptlab-export-oracle-'));
  await makeExports(root);
});

after(() => rmSync(root, { recursive: true, force: true }));

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The export's files, and its model.safetensors byte-identical to the one PyTorch loaded strictly. */
function checkFile(name: string, e: ExpectedModel): string {
  const dir = join(root, name);
  assert.deepEqual(readdirSync(dir).sort(), e.files, `${name}: exported files`);
  const bytes = readFileSync(join(dir, 'model.safetensors'));
  assert.equal(bytes.length, e.bytes, `${name}: model.safetensors size`);
  assert.equal(sha256(bytes), e.sha256, `${name}: model.safetensors is not the file PyTorch loaded (regenerate expected.json if the export format changed on purpose)`);
  // PyTorch loaded it with strict=True, and the weights equal torch's own fill of the same seed.
  assert.equal(e.maxAbsDiffFromTorchFill, 0, `${name}: weights differ from PyTorch's fill`);
  return dir;
}

function argmaxRows(logits: Tensor): number[] {
  const [n, k] = logits.shape;
  const v = logits.toArray();
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[i * k + j] > v[i * k + best]) best = j;
    return best;
  });
}

function compare(name: string, logits: Tensor, e: ExpectedModel): void {
  assertClose(logits, e.logits, 1e-4, 1e-4, `${name} logits vs PyTorch`);
  assert.deepEqual(argmaxRows(logits), e.predictions, `${name}: predictions vs PyTorch`);
}

for (const c of VISION_CASES) {
  test(`${c.name} export: byte-identical to the file torchvision loaded strictly; adaptlab predicts as PyTorch`, () => {
    const e = expected.models[c.name];
    assert.ok(e, `expected.json has no ${c.name}; regenerate it`);
    const dir = checkFile(c.name, e);
    assert.deepEqual(e.metadataKeys, ['format'], 'vision export metadata is only format: pt');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(config.architecture, c.arch);
    assert.deepEqual(config.id2label, Object.fromEntries(c.classNames.map((n, i) => [String(i), n])));

    const floats = Float32Array.from(c.input.data);
    assert.deepEqual(c.input.shape, e.inputShape);
    assert.equal(sha256(new Uint8Array(floats.buffer)), e.inputSha256, `${c.name}: the images differ from those PyTorch ran`);

    const before = snapshot();
    // The exported file read as a torchvision state dict (no adaptlab metadata in it).
    const { model } = loadResnet(c.arch, join(dir, 'model.safetensors'));
    try {
      assert.equal(model.stateDict().size, e.keys, 'state-dict entries');
      model.eval();
      tidy(() => compare(c.name, noGrad(() => model.forward(fromTypedArray(floats, c.input.shape))), e));
    } finally {
      model.dispose();
    }
    assert.equal(snapshot().liveTensors, before.liveTensors, 'no tensors leak');
  });
}

test('bert export: byte-identical to the file the Hugging Face-layout reference loaded strictly; tokenizer and predictions match', async () => {
  const e = expected.models[TEXT_CASE.name];
  assert.ok(e, `expected.json has no ${TEXT_CASE.name}; regenerate it`);
  const dir = checkFile(TEXT_CASE.name, e);
  assert.deepEqual(e.metadataKeys, ['adaptlab', 'format']);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const id2label = Object.fromEntries(TEXT_CASE.classNames.map((n, i) => [String(i), n]));
  assert.deepEqual(config.id2label, id2label);
  assert.deepEqual(e.id2label, id2label);

  // The exported tokenizer gives the ids PyTorch ran (checked there against a lookup in vocab.txt).
  const tokenizer = BertTokenizer.fromDirectory(dir);
  assert.deepEqual(e.texts, TEXT_CASE.texts);
  const encoded = await tokenizer.encodeBatch(TEXT_CASE.texts, { maxLength: TEXT_CASE.maxLength });
  assert.deepEqual(encoded.inputIds, e.inputIds, 'token ids');
  assert.deepEqual(encoded.attentionMask, e.attentionMask, 'attention mask');
  assert.deepEqual(encoded.tokenTypeIds, e.tokenTypeIds, 'token type ids');

  const before = snapshot();
  const { model } = loadBert(dir);
  const input = bertInput(encoded);
  try {
    assert.equal(model.stateDict().size, e.keys, 'state-dict entries');
    assert.deepEqual(model.headInfo.classNames, TEXT_CASE.classNames);
    model.eval();
    tidy(() => compare(TEXT_CASE.name, noGrad(() => model.forward(input)), e));
  } finally {
    disposeInput(input);
    model.dispose();
  }
  assert.equal(snapshot().liveTensors, before.liveTensors, 'no tensors leak');
});
