// Cross-validated trials: every labelled non-test example is predicted exactly once per seed, by
// the model of the one fold that held it out and never trained on it; strategies pair by example.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS, modalityPlan, type LabOptions } from '../../src/lab/options.js';
import { resolveBackbone } from '../../src/kinds/load.js';
import { prepareTarget } from '../../src/lab/targets.js';
import { evidenceFromTrials } from '../../src/decide/evidence.js';
import type { TrialRecord } from '../../src/record/run-record.js';
import { makeImageFolder, makeResnetBackbone } from './make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-cv-'));
const images = join(work, 'images');
const resnet = join(work, 'resnet20.safetensors');

before(async () => {
  await makeImageFolder(images, 12);
  makeResnetBackbone(resnet);
});

test('each labelled example is predicted once per seed, by a fold model that never trained on it, paired across strategies', async () => {
  const options: LabOptions = {
    ...DEFAULT_LAB_OPTIONS,
    modalities: ['vision'],
    strategies: ['frozen', 'full_finetune'],
    seeds: [0, 1],
    folds: 3,
    schedule: 'grid',
    data: images,
    backbone: resnet,
    arch: 'resnet20',
    quick: true,
    out: join(work, 'run'),
  };
  const result = await runLab(options);
  const outcome = result.outcomes.vision!;
  assert.equal(outcome.summary.allocation.folds, 3);

  // The same folds, rebuilt: the assignment is deterministic in the split seed.
  const backbone = await resolveBackbone('vision', resnet, 'resnet20');
  const target = await prepareTarget(backbone, modalityPlan('vision', options), { ...options, folds: 3, margin: options.margin });
  try {
    const testIds = new Set(target.foldData(0).test.ids);
    const pool = new Set([0, 1, 2].flatMap((f) => target.foldData(f).validation.ids));
    assert.equal(pool.size, outcome.summary.allocation.decisionExamples);
    for (const id of pool) assert.ok(!testIds.has(id), `${id} is both labelled and test`);
    for (const strategy of options.strategies) {
      for (const seed of options.seeds) {
        const seen = new Map<string, number>();
        for (let f = 0; f < 3; f++) {
          const file = join(options.out, 'trials', 'vision', `${strategy}-seed${seed}-fold${f}.json`);
          const record = JSON.parse(readFileSync(file, 'utf8')) as TrialRecord;
          assert.deepEqual(record.fold, { index: f, of: 3 });
          const held = target.foldData(f).validation.ids;
          const trained = new Set(target.foldData(f).train.ids);
          assert.deepEqual(record.predictions.validation.ids, [...held], `${strategy} seed ${seed} fold ${f} predicts what it held out`);
          for (const id of held) {
            assert.ok(!trained.has(id), `fold ${f} trained on ${id}`);
            seen.set(id, (seen.get(id) ?? 0) + 1);
          }
          assert.equal(trained.size + held.length, pool.size);
        }
        assert.equal(seen.size, pool.size);
        assert.ok([...seen.values()].every((n) => n === 1), `${strategy} seed ${seed}: an example predicted twice`);
      }
    }
  } finally {
    target.dispose();
  }

  // Pairing: the evidence lines every strategy's outcome up on the same example, whatever the order.
  const joined = outcome.trials;
  const evidence = evidenceFromTrials(joined);
  const order = joined[0].predictions.validation.ids;
  for (const e of evidence.strategies) {
    e.seeds.forEach((seed, s) => {
      const r = joined.find((t) => t.strategy === e.strategy && t.seed === seed)!;
      const byId = new Map(r.predictions.validation.ids.map((id, j) => [id, r.predictions.validation.predictions[j] === r.predictions.validation.labels[j]]));
      assert.deepEqual(e.correct[s], order.map((id) => byId.get(id)));
    });
  }
  // the untouched test split is scored by every fold's model: 3 × its size per seed
  assert.equal(joined[0].predictions.test.ids.length, 3 * outcome.summary.allocation.test);
});
