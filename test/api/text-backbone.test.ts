// The shipped text backbone (a masked-LM BERT: no pooler, no classifier) through the public
// loaders: `adaptlab lab --backbone backbones/text` resolves it as the backbone directory it is,
// the same weights without their manifest load as a Hugging Face directory (the missing pooler
// reported, not fatal), and every custom backbone is keyed by its content, not its path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBert, loadBackbone, resolveBackbone, resnet, saveModel, StateDictError, UsageError, noGrad, tidy, type ClassificationModel, type TextBackbone, type AnyBackbone } from '../../src/index.js';
import { encodeTextBatch, disposeTextBatch } from '../../src/data/text-batch.js';
import { repoRoot, assertClose } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'adaptlab-api-text-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const shipped = join(repoRoot, 'backbones', 'text');
const sha256 = (loadBackbone(shipped).manifest.weights as { sha256: string }).sha256;

/** The shipped files without manifest.json: a plain Hugging Face masked-LM directory. */
function huggingFaceCopy(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json', 'tokenizer.json']) copyFileSync(join(shipped, f), join(dir, f));
  return dir;
}

async function logits(backbone: AnyBackbone, model: ClassificationModel): Promise<number[]> {
  if (backbone.modality !== 'text') throw new Error(`expected a text backbone, got a ${backbone.modality} one`);
  const batch = await encodeTextBatch(backbone.text.tokenizer, ['Subject: cheap meds\nBuy now, limited offer!', 'Meeting moved to 3pm, see agenda attached.'], {
    maxLength: backbone.text.maxLength,
  });
  try {
    model.eval();
    return noGrad(() => tidy(() => model.forward(batch).toArray()));
  } finally {
    disposeTextBatch(batch);
  }
}

test("resolveBackbone('text', <repo>/backbones/text): the backbone directory, keyed and built like the embedded default", async () => {
  const b = await resolveBackbone('text', shipped);
  const embedded = await resolveBackbone('text');
  assert.equal(b.arch, 'bert');
  assert.equal(b.key, `text:bert:${sha256}`);
  assert.equal(b.key, embedded.key);
  assert.ok(b.modality === 'text' && b.text.tokenizer.vocabSize === 8000, 'tokenizer from the directory');
  const model = b.buildModel('pretrained', 3, 4, ['a', 'b', 'c', 'd']);
  const twin = embedded.buildModel('pretrained', 3, 4, ['a', 'b', 'c', 'd']);
  try {
    const out = await logits(b, model);
    assert.equal(out.length, 2 * 4);
    assertClose(out, await logits(embedded, twin), 0, 0, 'logits');
  } finally {
    model.dispose();
    twin.dispose();
  }
});

test('a backbone directory must match --modality and --arch', async () => {
  await assert.rejects(resolveBackbone('vision', shipped), (e: unknown) => e instanceof UsageError && /is a text backbone/.test(e.message) && /--modality text/.test(e.message));
  await assert.rejects(resolveBackbone('text', shipped, 'resnet18'), (e: unknown) => e instanceof UsageError && /--arch resnet18/.test(e.message) && /says bert/.test(e.message));
});

test('loadBert on a masked-LM directory: without allowMissingPooler a StateDictError lists the pooler keys and names the option', () => {
  assert.throws(
    () => loadBert(shipped),
    (e: unknown) =>
      e instanceof StateDictError &&
      [...e.missing].sort().join() === 'bert.pooler.dense.bias,bert.pooler.dense.weight' &&
      e.message.includes('bert.pooler.dense.weight') &&
      e.message.includes('allowMissingPooler: true') &&
      e.message.includes(join(shipped, 'model.safetensors')),
  );
});

test('loadBert with allowMissingPooler: loads, reports the seeded pooler and the dropped MLM head, and matches loadBackbone for the same seed', async () => {
  const { model, report } = loadBert(shipped, { numClasses: 3, headSeed: 7, allowMissingPooler: true });
  const b = loadBackbone(shipped);
  const reference = b.buildModel('pretrained', 7, 3);
  try {
    assert.equal(report.headLoaded, false);
    assert.ok(report.notes.some((n) => /no pooler/.test(n) && /seed 7/.test(n)), report.notes.join('\n'));
    assert.ok(report.notes.some((n) => /cls\.\*/.test(n)), report.notes.join('\n'));
    assert.ok(report.ignoredKeys.some((k) => k.startsWith('cls.predictions.')));
    assert.equal(b.modality, 'text');
    const lab = b as TextBackbone;
    assertClose(await logits(lab, model), await logits(lab, reference), 0, 0, 'logits');
  } finally {
    model.dispose();
    reference.dispose();
  }
});

test('a Hugging Face masked-LM directory as --backbone: works, says the pooler was seeded, keyed by the weights sha256', async () => {
  const dir = huggingFaceCopy('hf-a');
  const b = await resolveBackbone('text', dir);
  assert.equal(b.key, `file-sha256:${sha256}`);
  assert.match(b.source, /no pooler/);
  const embedded = await resolveBackbone('text');
  for (const init of ['pretrained', 'random'] as const) {
    const model = b.buildModel(init, 5, 2, ['ham', 'spam']);
    const twin = init === 'pretrained' ? embedded.buildModel(init, 5, 2, ['ham', 'spam']) : null;
    try {
      const out = await logits(b, model);
      assert.equal(out.length, 4);
      if (twin) assertClose(out, await logits(embedded, twin), 0, 0, 'same weights, same seed: same logits as the backbone directory');
    } finally {
      model.dispose();
      twin?.dispose();
    }
  }
  // Moved elsewhere, the same weights are the same backbone.
  const moved = join(scratch, 'elsewhere', 'bert');
  cpSync(dir, moved, { recursive: true });
  assert.equal((await resolveBackbone('text', moved)).key, b.key);
});

test('a ResNet file as --backbone is keyed by its content, not its path', async () => {
  const model = resnet('resnet20', { numClasses: 10 });
  const first = join(scratch, 'one.safetensors');
  const second = join(scratch, 'copy', 'two.safetensors');
  try {
    saveModel(model, first);
  } finally {
    model.dispose();
  }
  mkdirSync(join(scratch, 'copy'));
  copyFileSync(first, second);
  const a = await resolveBackbone('vision', first, 'resnet20');
  const c = await resolveBackbone('vision', second, 'resnet20');
  assert.match(a.key, /^file-sha256:[0-9a-f]{64}$/);
  assert.equal(a.key, c.key);
});
