// Every modality kind answers the same questions (src/kinds): its embedded backbone loads as that
// kind, its default target's records become a table the backbone's models read, it describes,
// shows and saves its preparation, and a model saved from it loads back and exports, without the
// caller knowing which kind it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, noGrad, tidy } from '../../src/tensor/index.js';
import { ConfigError } from '../../src/errors.js';
import { MODALITIES, kindOf } from '../../src/kinds/registry.js';
import type { Backbone } from '../../src/kinds/backbone.js';
import { embeddedBackboneDir, loadBackbone, resolveBackbone } from '../../src/kinds/load.js';
import { snapshot } from '../helpers.js';

test('the registry lists each kind once, under its own modality, with its own title', () => {
  assert.deepEqual([...MODALITIES].sort(), ['text', 'vision']);
  for (const m of MODALITIES) assert.equal(kindOf(m).modality, m);
  assert.equal(new Set(MODALITIES.map((m) => kindOf(m).title)).size, MODALITIES.length, 'one title per kind');
});

for (const modality of MODALITIES) {
  test(`${modality}: the embedded backbone and the default target work through the Backbone interface alone`, async () => {
    const before = snapshot();
    const kind = kindOf(modality);
    // Seen through the one interface every kind implements, as the lab sees it.
    const backbone: Backbone = await resolveBackbone(modality);
    assert.equal(backbone.modality, modality);
    assert.equal(backbone.key, loadBackbone(embeddedBackboneDir(modality)).key, 'the embedded default is the backbone directory');
    const dataset = await kind.loadTarget(backbone, {});
    // One example of each of the first two classes.
    const records = [0, 1].map((c) => dataset.records.find((r) => r.label === c)!);
    const table = await backbone.table(records);
    const model = backbone.buildModel('pretrained', 3, dataset.classNames.length, dataset.classNames);
    try {
      assert.equal(table.size, 2);
      assert.deepEqual(table.ids, records.map((r) => r.id));
      model.eval();
      const shape = noGrad(() => tidy(() => model.forward(table.take(arange(2))).shape));
      assert.deepEqual(shape, [2, dataset.classNames.length]);
      const described = backbone.describePreparation(records);
      assert.ok(described.length >= 1 && described[0].includes('2 '), described.join(' '));
      const shown = await backbone.show(records[0]);
      assert.ok(shown.kind === 'thumbnail' || shown.kind === 'snippet');
      assert.equal(Object.keys(backbone.savedPreprocessing()).length, 1, 'one preparation recorded with a saved model');
      const dir = mkdtempSync(join(tmpdir(), 'adaptlab-kind-'));
      try {
        const weights = await backbone.writeModel(model, dir);
        // A text model needs its tokenizer beside the weights; an image model needs nothing more.
        assert.equal(readdirSync(dir).length > 1, 'text' in backbone.savedPreprocessing(), readdirSync(dir).join(', '));
        // Loaded back by its kind alone: the same outputs, read with the backbone's own preparation.
        const saved = kind.loadSaved(dir, weights, backbone.savedPreprocessing());
        try {
          saved.model.eval();
          const logits = (m: typeof model): number[] => noGrad(() => tidy(() => m.forward(table.take(arange(2))).toArray()));
          assert.deepEqual(logits(saved.model), logits(model));
          // A tokenizer is compared by its vocabulary size (its internals are not part of the answer).
          const preparation = (input: unknown): string => JSON.stringify(input, (k, v: { vocabSize?: number }) => (k === 'tokenizer' ? v.vocabSize : v));
          assert.equal(preparation(saved.input), preparation(backbone.modelInput()));
          const exported = join(dir, 'exported');
          mkdirSync(exported);
          await kind.exportStandalone(saved, exported, { arch: backbone.arch, strategy: 'frozen', seed: 3, classNames: dataset.classNames, metrics: { validation: 0.5, test: 0.5 }, preprocessing: backbone.savedPreprocessing() });
          assert.ok(readdirSync(exported).includes('model.safetensors') && readdirSync(exported).includes('README.md'), readdirSync(exported).join(', '));
        } finally {
          saved.model.dispose();
        }
        // A manifest recording another kind's preprocessing is refused, saying what it must record.
        const other = MODALITIES.find((m) => m !== modality)!;
        const foreign = (await resolveBackbone(other)).savedPreprocessing();
        assert.throws(() => kind.loadSaved(dir, weights, foreign), (e: unknown) => e instanceof ConfigError && /must record .* preprocessing/.test(e.message));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      model.dispose();
      table.dispose();
    }
    assert.equal(snapshot().liveTensors, before.liveTensors, 'nothing left behind');
  });
}
