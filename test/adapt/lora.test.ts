// lora as a strategy, on whole trials: only the adapters and the head move, every base weight and
// BatchNorm statistic keeps its checksum (the audit), the record states the adapters, and the
// model handed over has them merged: a plain model that predicts what the adapted one did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineStrategy } from '../../src/adapt/strategies.js';
import { trainTrial } from '../../src/adapt/trial.js';
import { predictTable } from '../../src/adapt/predict.js';
import { RESNET, BERT, recordedSetup, disposeData } from './trial-helpers.js';
import { ConfigError } from '../../src/errors.js';

const BATCH = 8;

const EXPECTED_LAYERS: Record<string, string[]> = {
  'ResNet-20': ['layer3.0.conv1', 'layer3.0.conv2', 'layer3.0.downsample.0', 'layer3.1.conv1', 'layer3.1.conv2', 'layer3.2.conv1', 'layer3.2.conv2'],
  BERT: [0, 1].flatMap((l) => [`bert.encoder.layer.${l}.attention.self.query`, `bert.encoder.layer.${l}.attention.self.value`]),
};

for (const kind of [RESNET, BERT]) {
  test(`${kind.label}: lora trains only the adapters and the head; the base keeps its checksums; the merged model predicts the same`, () => {
    const data = kind.data();
    const spec = defineStrategy('lora', { headLr: 1e-2, lora: { rank: 4, alpha: 8, dropout: 0 } });
    const r = recordedSetup(kind, spec, data, { epochs: 3, batchSize: BATCH });
    const { record, model, taskNames } = trainTrial(r.setup);
    const layers = EXPECTED_LAYERS[kind.label];
    const adapters = record.config.adapters!;
    assert.deepEqual(adapters.layers, layers);
    assert.equal(adapters.rank, 4);
    assert.equal(record.config.tensors, 'adapters');

    // what moved, step by step: adapter halves and the head, never a base tensor or a buffer
    const isAdapter = (n: string) => /\.lora_[AB]\.weight$/.test(n);
    const headNames = new Set(model.parameterGroups().at(-1)!.params.map(([n]) => n));
    const moved = new Set(Array.from({ length: r.steps() }, (_, i) => [...r.changedAt(i + 1)]).flat());
    for (const n of moved) assert.ok(isAdapter(n) || headNames.has(n), `${n} changed under lora`);
    for (const l of layers) assert.ok(moved.has(`${l}.lora_B.weight`) && moved.has(`${l}.lora_A.weight`), `${l}: both halves trained`);

    // the audit checksummed every base tensor (and BatchNorm statistics) before and after: unchanged
    assert.equal(record.audit.passed, true);
    assert.deepEqual(record.audit.changedFrozen, []);
    const rows = record.groups;
    const trainable = rows.filter((x) => x.trainable);
    assert.ok(trainable.every((x) => x.role === 'adapter' || x.group === 'head'));
    assert.equal(adapters.params, rows.filter((x) => x.role === 'adapter').reduce((k, x) => k + x.numel, 0));
    assert.equal(record.totals.trainable - record.totals.head!, adapters.params);
    assert.ok(record.audit.checked >= rows.filter((x) => !x.trainable).length);

    // handed over merged: no adapter left, the targets' weights changed, predictions as evaluated
    assert.ok(model.namedParameters().every(([n]) => !isAdapter(n)));
    assert.deepEqual(
      taskNames.filter((n) => !headNames.has(n) && !/running_|num_batches/.test(n)),
      layers.map((l) => `${l}.weight`),
    );
    const after = predictTable(model, data.test, 256);
    assert.deepEqual(after.predictions, record.predictions.test.predictions);
    // the task a lora trial stores is its adapters and head, not the merged weights
    const adapterBytes = 4 * (adapters.params + record.totals.head!);
    assert.ok(record.cost.storedBytes >= adapterBytes && record.cost.storedBytes < adapterBytes + 8192, `stored ${record.cost.storedBytes}`);
    model.dispose();
    disposeData(data);
  });
}

test('lora options: rank, alpha, dropout and targets are checked', () => {
  assert.throws(() => defineStrategy('lora', { lora: { rank: 0 } }), (e: unknown) => e instanceof ConfigError && /rank must be an integer >= 1/.test((e as Error).message));
  assert.throws(() => defineStrategy('lora', { lora: { dropout: 1 } }), ConfigError);
  assert.throws(() => defineStrategy('lora', { lora: { convGroups: -1 } }), ConfigError);
  const spec = defineStrategy('lora');
  assert.deepEqual(spec.adapters, { kind: 'lora', rank: 8, alpha: 16, dropout: 0.1, targets: { linear: ['query', 'value'], convGroups: 1 } });
});
