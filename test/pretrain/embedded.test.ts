// The shipped backbones in backbones/: they load, their manifests report the source metrics the
// product promises, and they run. Plus the errors for a missing or malformed backbone directory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedBackboneDir, loadBackbone } from '../../src/kinds/load.js';
import type { VisionBackbone } from '../../src/kinds/vision/backbone.js';
import type { TextBackbone } from '../../src/kinds/text/backbone.js';
import type { TextManifest, VisionManifest } from '../../src/pretrain/manifest.js';
import { imageBatch } from '../../src/data/image-batch.js';
import { encodeTextBatch, disposeTextBatch } from '../../src/data/text-batch.js';
import { noGrad, tidy } from '../../src/tensor/index.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { repoRoot, runCliCaptured } from '../helpers.js';
import { loadSpamAssassin } from '../../src/data/text-datasets.js';

const scratch = mkdtempSync(join(tmpdir(), 'adaptlab-embedded-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('embeddedBackboneDir: <repo>/backbones/<modality>', () => {
  assert.equal(embeddedBackboneDir('vision'), join(repoRoot, 'backbones', 'vision'));
  assert.equal(embeddedBackboneDir('text'), join(repoRoot, 'backbones', 'text'));
});

test('shipped vision backbone: a full (not quick) ResNet-20 run with >= 88% Fashion-MNIST test accuracy; runs on digits', () => {
  const b = loadBackbone(embeddedBackboneDir('vision'));
  const m = b.manifest as VisionManifest;
  assert.equal(m.kind, 'vision');
  assert.equal(m.arch, 'resnet20');
  assert.equal(m.quick, false);
  assert.ok(m.source.testAccuracy >= 0.88, `source test accuracy ${m.source.testAccuracy}`);
  assert.ok(m.source.testSize >= 10_000);
  assert.equal(m.data.name, 'fashion-mnist');
  assert.match(m.command, /^adaptlab pretrain vision/);
  assert.ok(m.weights.bytes < 5 * 2 ** 20, `${m.weights.bytes} bytes`);
  const model = b.buildModel('pretrained', 0, 10);
  try {
    const digits = Array.from({ length: 3 }, (_, i) => ({ id: `d/${i}`, label: i, height: 28, width: 28, channels: 1 as const, pixels: new Uint8Array(784).fill(40 * i) }));
    noGrad(() =>
      tidy(() => {
        model.eval();
        assert.deepEqual(model.forward(imageBatch(digits, (b as VisionBackbone).image).images).shape, [3, 10]);
      }),
    );
  } finally {
    model.dispose();
  }
});

test('shipped text backbone: full run, masked-token accuracy clearly above the unigram baseline, <= ~5 MB; runs on e-mail', async () => {
  const b = loadBackbone(embeddedBackboneDir('text'));
  const m = b.manifest as TextManifest;
  assert.equal(m.kind, 'text');
  assert.equal(m.quick, false);
  // "Clearly above": the gap exceeds 10 binomial standard errors over the scored positions.
  const se = Math.sqrt((m.source.unigramBaseline * (1 - m.source.unigramBaseline)) / m.source.maskedPositions);
  assert.ok(m.source.maskedAccuracy - m.source.unigramBaseline > 10 * se, `masked accuracy ${m.source.maskedAccuracy} vs unigram ${m.source.unigramBaseline} (standard error ${se.toFixed(4)})`);
  assert.ok(m.source.maskedPositions >= 10_000, `${m.source.maskedPositions} masked positions`);
  assert.equal(m.vocabSize, (b as TextBackbone).text.tokenizer.vocabSize);
  assert.match(m.command, /^adaptlab pretrain text/);
  assert.ok(m.weights.bytes <= 5 * 2 ** 20, `${m.weights.bytes} bytes`);
  const model = b.buildModel('pretrained', 0, 3);
  const batch = await encodeTextBatch((b as TextBackbone).text.tokenizer, ['Subject: cheap meds\nBuy now, limited offer!'], { maxLength: (b as TextBackbone).text.maxLength });
  try {
    noGrad(() =>
      tidy(() => {
        model.eval();
        assert.deepEqual(model.forward(batch).shape, [1, 3]);
      }),
    );
  } finally {
    disposeTextBatch(batch);
    model.dispose();
  }
});

test('adaptlab evaluate on the shipped text backbone: on e-mails it never saw, masked tokens are restored far above the unigram baseline', async () => {
  // The target task's messages (the 2002 collections) are never pretraining text.
  const mails = loadSpamAssassin().records.filter((_, i) => i % 10 === 0).slice(0, 300);
  const table = join(scratch, 'mails.jsonl');
  writeFileSync(table, mails.map((r) => JSON.stringify({ text: r.text })).join('\n'));
  const r = await runCliCaptured(['evaluate', '--model-dir', embeddedBackboneDir('text'), '--data', table, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as { positions: number; maskedAccuracy: number; unigramBaseline: number };
  const se = Math.sqrt((e.unigramBaseline * (1 - e.unigramBaseline)) / e.positions);
  assert.ok(e.positions > 3000, `${e.positions} masked positions`);
  assert.ok(e.maskedAccuracy - e.unigramBaseline > 10 * se, `masked accuracy ${e.maskedAccuracy} vs unigram ${e.unigramBaseline} (standard error ${se.toFixed(4)})`);
});

test('a missing backbone directory is a DataError that says how to make it', () => {
  const missing = join(scratch, 'nowhere', 'vision');
  assert.throws(
    () => loadBackbone(missing),
    (e: unknown) => e instanceof DataError && (e as Error).message.includes('does not exist') && (e as Error).message.includes(`adaptlab pretrain vision --out ${missing}`),
  );
});

test('a directory without manifest.json (an interrupted run) is a DataError', () => {
  const dir = join(scratch, 'no-manifest', 'text');
  cpSync(embeddedBackboneDir('text'), dir, { recursive: true });
  rmSync(join(dir, 'manifest.json'));
  assert.throws(() => loadBackbone(dir), (e: unknown) => e instanceof DataError && /no manifest\.json/.test((e as Error).message) && /adaptlab pretrain text/.test((e as Error).message));
});

test('a malformed manifest is a ConfigError naming each bad field, what was expected and what was found', () => {
  const dir = join(scratch, 'bad', 'vision');
  cpSync(embeddedBackboneDir('vision'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, mean: [0.5], imageSize: 'big', std: undefined }));
  assert.throws(
    () => loadBackbone(dir),
    (e: unknown) => {
      const msg = (e as Error).message;
      return (
        e instanceof ConfigError &&
        msg.includes('"mean": expected three finite numbers, found [0.5]') &&
        msg.includes('"imageSize": expected a positive integer, found "big"') &&
        msg.includes('"std": expected three positive numbers, found nothing (the field is missing)') &&
        msg.includes(`adaptlab pretrain vision --out ${dir}`)
      );
    },
  );
  writeFileSync(join(dir, 'manifest.json'), '{"kind": "vision",');
  assert.throws(() => loadBackbone(dir), (e: unknown) => e instanceof ConfigError && /not valid JSON/.test((e as Error).message));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, kind: 'audio' }));
  assert.throws(() => loadBackbone(dir), (e: unknown) => e instanceof ConfigError && /"kind": expected "vision" or "text", found "audio"/.test((e as Error).message));
});

test('weights that are not the file the manifest describes (replaced, truncated, an LFS pointer) are a DataError', () => {
  const dir = join(scratch, 'pointer', 'vision');
  cpSync(embeddedBackboneDir('vision'), dir, { recursive: true });
  writeFileSync(join(dir, 'model.safetensors'), 'version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 1107648\n');
  assert.throws(() => loadBackbone(dir), (e: unknown) => e instanceof DataError && /not the file its manifest describes/.test((e as Error).message) && /git lfs pull/.test((e as Error).message));
  rmSync(join(dir, 'model.safetensors'));
  assert.throws(() => loadBackbone(dir), (e: unknown) => e instanceof DataError && /model\.safetensors, which is missing/.test((e as Error).message));
});

test('text backbone files from different runs (vocabulary sizes disagree) are a ConfigError', () => {
  const dir = join(scratch, 'mixed', 'text');
  cpSync(embeddedBackboneDir('text'), dir, { recursive: true });
  const vocab = readFileSync(join(dir, 'vocab.txt'), 'utf8').trimEnd().split('\n');
  writeFileSync(join(dir, 'vocab.txt'), vocab.slice(0, vocab.length - 10).join('\n') + '\n');
  rmSync(join(dir, 'tokenizer.json'));
  assert.throws(() => loadBackbone(dir), (e: unknown) => e instanceof ConfigError && /vocabulary sizes disagree/.test((e as Error).message));
});
