// A trial's fingerprint covers exactly what changes its result: run a tiny lab, then run it again
// into the same folder with one setting changed (--force, since the settings differ), and only the
// strategies whose spec reads that setting train again; every other trial is reused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runLab } from '../../src/lab/run-lab.js';
import { DEFAULT_LAB_OPTIONS, type LabOptions } from '../../src/lab/options.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import { makeImageFolder, makeResnetBackbone } from './make-lab-inputs.js';

const work = mkdtempSync(join(tmpdir(), 'adaptlab-reuse-'));
const images = join(work, 'images');
const resnetFile = join(work, 'resnet20.safetensors');
const out = join(work, 'run');

before(async () => {
  await makeImageFolder(images, 6);
  makeResnetBackbone(resnetFile);
});

const base: LabOptions = {
  ...DEFAULT_LAB_OPTIONS,
  modalities: ['vision'],
  strategies: ['scratch', 'frozen', 'partial_unfreeze', 'lp_ft'],
  seeds: [0, 1],
  schedule: 'grid',
  folds: 1,
  data: images,
  backbone: resnetFile,
  arch: 'resnet20',
  quick: true,
  epochs: 2, // lp_ft needs one per phase
  saveModels: 'none',
  out,
};

/** Runs the lab and returns the strategies of the trials it trained (not reused), sorted. */
async function trainedBy(options: LabOptions): Promise<StrategyName[]> {
  const trained = new Set<StrategyName>();
  let started = 0;
  await runLab(options, {
    trialStart: (e) => {
      started++;
      if (!e.reused) trained.add(e.strategy);
    },
  });
  assert.equal(started, options.strategies.length * options.seeds.length, 'every (strategy, seed) of the grid starts once');
  return [...trained].sort();
}

test('changing --partial-k re-runs only partial_unfreeze; changing --probe-lr only the strategies with a linear probe', async () => {
  assert.deepEqual(await trainedBy(base), ['frozen', 'lp_ft', 'partial_unfreeze', 'scratch']);
  assert.deepEqual(await trainedBy(base), [], 'the same settings reuse every trial');
  assert.deepEqual(await trainedBy({ ...base, partialK: 2, force: true }), ['partial_unfreeze']);
  // frozen is a linear probe at the probe's rate, and lp_ft starts with one
  assert.deepEqual(await trainedBy({ ...base, partialK: 2, probeLr: 0.05, force: true }), ['frozen', 'lp_ft']);
  // the head's rate is read by every strategy but frozen
  assert.deepEqual(await trainedBy({ ...base, partialK: 2, probeLr: 0.05, headLr: 5e-3, force: true }), ['partial_unfreeze', 'scratch']);
});
