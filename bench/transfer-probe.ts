// Is the transfer real? Linear probes on the embedded backbones vs on randomly initialised
// backbones of the same architecture, on each target task, over several seeds (bench/probe.ts).
//
//   node dist/bench/transfer-probe.js [--modality vision|text|both] [--budget 100] [--seeds 0,1,2]
//                                     [--epochs <lab default>] [--markdown bench/TRANSFER.md]
//
// Prints mean ± sd and 95% CIs of validation and test accuracy per arm; with --markdown, appends
// the table with date, machine and command to that file.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runProbe, formatSeedStat, type ProbeArm, type ProbeComparison, type ProbeResult } from './probe.js';
import { threads } from '../src/tensor/index.js';
import { modalityPlan } from '../src/lab/options.js';
import type { Modality } from '../src/record/vocabulary.js';
import { MODALITIES } from '../src/kinds/registry.js';

const args = process.argv.slice(2);
const KNOWN = ['modality', 'budget', 'seeds', 'epochs', 'markdown', 'backbone'];
for (let i = 0; i < args.length; i += 2) {
  const name = args[i].replace(/^--/, '');
  if (!args[i].startsWith('--') || !KNOWN.includes(name) || args[i + 1] === undefined) {
    console.error(`transfer-probe: expected --name value pairs with names ${KNOWN.join(', ')}; got "${args.slice(i).join(' ')}"`);
    process.exit(2);
  }
}
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const intOpt = (name: string): number | undefined => {
  const v = opt(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`transfer-probe: --${name} must be a positive integer, got "${v}"`);
    process.exit(2);
  }
  return n;
};
const which = opt('modality') ?? 'both';
if (which !== 'both' && !(MODALITIES as readonly string[]).includes(which)) {
  console.error(`transfer-probe: --modality must be ${MODALITIES.join(', ')} or both; got "${which}"`);
  process.exit(2);
}
const modalities: Modality[] = which === 'both' ? [...MODALITIES] : [which as Modality];
const seeds = opt('seeds')?.split(',').map(Number);
if (seeds && seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  console.error(`transfer-probe: --seeds must be non-negative integers separated by commas, got "${opt('seeds')}"`);
  process.exit(2);
}
const markdown = opt('markdown');
const command = ['node dist/bench/transfer-probe.js', ...args].join(' ');

function table(r: ProbeResult): string {
  const row = (name: string, a: ProbeArm): string =>
    `| ${name} | ${formatSeedStat(a.validation)} | ${formatSeedStat(a.test)} | ${formatSeedStat(a.testMacroF1)} | ${a.seeds.map((s) => (s.testAccuracy * 100).toFixed(2)).join(', ')} |`;
  const gap = (c: ProbeComparison): string =>
    `Pretrained − random: ${(c.gap.test * 100).toFixed(2)} points test, ${(c.gap.validation * 100).toFixed(2)} points validation; ` +
    `largest seed sd ${(c.gap.spread * 100).toFixed(2)} points: the gap is ${c.gap.beyondSpread ? 'larger' : 'NOT larger'} than the seed spread.`;
  const d = r.dataset;
  const p = r.settings.probe;
  const f = r.settings.labFrozen;
  const head = '| backbone | validation accuracy % (mean ± sd, 95% CI) | test accuracy % | test macro-F1 % | test per seed |\n|---|---|---|---|---|';
  return [
    `### ${r.modality}: ${d.name} (${d.classNames.length} classes, ${d.labelBudget} labels per class)`,
    '',
    `Backbone: ${r.backbone}.`,
    `Split seed ${d.splitSeed}: ${d.sizes.train} train / ${d.sizes.validation} validation / ${d.sizes.test} test; data ${d.contentHash.slice(0, 16)}…; seeds ${r.settings.seeds.join(', ')} ` +
      '(a seed sets the head init, the batch order and, for random init, the backbone init; the data split is the same for every seed).',
    '',
    `**Linear probe** (features z-scored with training statistics, full-batch AdamW lr ${p.lr}, weight decay ${p.weightDecay}, ${p.steps} steps, best validation step kept):`,
    '',
    head,
    row('pretrained', r.probe.pretrained),
    row('random init', r.probe.random),
    '',
    gap(r.probe),
    '',
    `**Lab frozen strategy** (adapt/trial.ts: standardised cached features, minibatch AdamW lr ${f.headLr}, batch ${f.batchSize}, ${f.epochs} epochs, warm-up + cosine, best validation epoch kept):`,
    '',
    head,
    row('pretrained', r.labFrozen.pretrained),
    row('random init', r.labFrozen.random),
    '',
    gap(r.labFrozen),
    '',
  ].join('\n');
}

const t0 = performance.now();
const sections: string[] = [];
for (const modality of modalities) {
  // The lab-frozen arm trains as the lab's frozen strategy does (its epochs, batch and probe rate).
  const plan = modalityPlan(modality, { quick: false });
  const result = await runProbe({
    modality,
    backboneDir: opt('backbone'),
    labelBudget: intOpt('budget'),
    seeds,
    epochs: intOpt('epochs') ?? plan.epochs,
    batchSize: plan.batchSize,
    headLr: plan.probeLr,
    log: (line) => console.error(line),
  });
  const section = table(result);
  console.log(section);
  sections.push(section);
}
const minutes = (performance.now() - t0) / 60000;

if (markdown) {
  const cpu = cpus();
  const header = [
    `## ${new Date().toISOString()}`,
    '',
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; engine threads ${threads().intraOp}; Node ${process.version}. ` +
      `Wall time ${minutes.toFixed(1)} min.`,
    '',
    `Command: \`${command}\``,
    '',
  ].join('\n');
  if (!existsSync(markdown)) writeFileSync(markdown, '# Transfer probes\n\nLinear probes on the embedded backbones vs randomly initialised backbones of the same architecture (bench/transfer-probe.ts, bench/probe.ts).\n\n');
  appendFileSync(markdown, `${header}\n${sections.join('\n')}\n`);
  console.error(`transfer-probe: appended to ${markdown}`);
}
