// Every modality kind answers the same questions (src/kinds): its embedded backbone loads as that
// kind, its default target's records become a table the backbone's models read, and it describes,
// shows and saves its preparation without the caller knowing which kind it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, noGrad, tidy } from '../../src/tensor/index.js';
import { MODALITIES, kindOf } from '../../src/kinds/registry.js';
import type { Backbone } from '../../src/kinds/backbone.js';
import { embeddedBackboneDir, loadBackbone, resolveBackbone } from '../../src/kinds/load.js';
import { snapshot } from '../helpers.js';

test('the registry lists each kind once, under its own modality', () => {
  assert.deepEqual([...MODALITIES].sort(), ['text', 'vision']);
  for (const m of MODALITIES) assert.equal(kindOf(m).modality, m);
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
        await backbone.writeModelFiles(dir);
        const written = readdirSync(dir);
        // A text model needs its tokenizer beside the weights; an image model needs nothing more.
        assert.equal(written.length > 0, 'text' in backbone.savedPreprocessing());
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
