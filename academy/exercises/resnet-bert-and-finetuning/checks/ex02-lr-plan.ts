// Checks exercise 2: the learner's strategy, planned on a ResNet-20 and on a tiny BERT, gives the
// new head a larger learning rate than every trainable backbone group, within sane bounds for
// AdamW; and the justification says why, citing the rates it justifies.
import { manualSeed } from '../../../../src/tensor/index.js';
import { resnet } from '../../../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../../../src/models/bert.js';
import { bertConfig } from '../../../../src/models/bert-config.js';
import type { ClassificationModel } from '../../../../src/models/contract.js';
import { planAdaptation } from '../../../../src/adapt/plan.js';
import { STRATEGY_NAMES } from '../../../../src/record/vocabulary.js';
import type { StrategySpec } from '../../../../src/adapt/strategies.js';
import type { Ex02Module, LearningRateAnswer } from '../contracts.js';
import { Report, errorText, cites } from './report.js';

/** Group name → learning rate (null = frozen), in the model's group order. */
function groupRates(model: ClassificationModel, spec: StrategySpec): [string, number | null][] {
  const plan = planAdaptation(model, spec);
  try {
    const rates = new Map<string, number | null>();
    for (const r of plan.rows) if (!rates.has(r.group)) rates.set(r.group, r.lr);
    return [...rates];
  } finally {
    plan.release();
  }
}

function checkJustification(text: unknown, spec: StrategySpec, report: Report): void {
  if (typeof text !== 'string' || text.trim() === '' || /\bTODO\b/.test(text)) {
    report.fail('justification is still empty or a TODO: write two or more sentences saying why the head and the backbone get these rates.');
    return;
  }
  const words = text.trim().split(/\s+/).length;
  const sentences = text.split(/[.!?](\s|$)/).filter((s) => s && s.trim().split(/\s+/).length >= 3).length;
  report.expect(words >= 25 && sentences >= 2, `justification: ${sentences} sentences, ${words} words`, `justification has ${sentences} sentence(s) and ${words} words; give at least two sentences (25+ words): one for the head, one for the backbone.`);
  const lower = text.toLowerCase();
  report.expect(
    /\bhead\b/.test(lower) && /\bbackbone\b/.test(lower),
    'justification talks about the head and the backbone',
    'justification must talk about both the head and the backbone (use those words: they are the group names in the plan).',
  );
  report.expect(
    /(random|new|untrained|fresh|from scratch|initiali[sz])/.test(lower),
    'justification says why the head needs larger steps (it starts from random weights)',
    'justification does not say why the head gets the larger rate: what state does a replaced head start in?',
  );
  report.expect(
    /pre-?trained/.test(lower) && /(forget|destroy|overwrit|damag|drift|keep|preserv|protect|wreck|erase|small)/.test(lower),
    'justification says why the backbone gets smaller steps (protect pretrained features)',
    'justification does not say why the backbone gets the smaller rate: what could large steps do to pretrained features?',
  );
  const { head, backbone, layerDecay } = spec.lr;
  const missing: string[] = [];
  if (!cites(text, head)) missing.push(`head ${head}`);
  if (backbone !== null && !cites(text, backbone)) missing.push(`backbone ${backbone}`);
  report.expect(
    missing.length === 0,
    'justification cites the rates it justifies',
    `justification does not cite the rates it justifies (${missing.join(', ')}); write the numbers (e.g. 3e-4 or 0.0003) so the text and the plan cannot drift apart.`,
  );
  if (layerDecay !== null) {
    report.expect(
      cites(text, layerDecay) && /decay/.test(lower),
      `justification explains the layer decay ${layerDecay}`,
      `the plan uses layer decay ${layerDecay} but the justification does not explain it (mention "decay" and the factor).`,
    );
  }
}

export function checkLearningRatePlan(mod: Ex02Module, report: Report): void {
  let answer: LearningRateAnswer;
  try {
    answer = mod.learningRatePlan();
  } catch (e) {
    report.fail(`learningRatePlan threw: ${errorText(e)}`);
    return;
  }
  const spec = answer?.strategy;
  if (!spec || !STRATEGY_NAMES.includes(spec.name) || !spec.lr) {
    report.fail(`learningRatePlan must return { strategy, justification } with strategy = defineStrategy(<one of ${STRATEGY_NAMES.join(', ')}>, {...}).`);
    return;
  }
  if (spec.init !== 'pretrained') {
    report.fail(`'${spec.name}' starts from random weights: there is no pretrained backbone to protect, so no head-vs-backbone plan to make. Use partial_unfreeze or full_finetune.`);
    return;
  }
  if (spec.trainable.kind === 'head') {
    report.fail(`'${spec.name}' trains the head only, so the backbone has no learning rate. Use partial_unfreeze or full_finetune: a plan where some backbone group trains.`);
    return;
  }
  report.pass(`strategy ${spec.name} trains the head and ${spec.trainable.kind === 'all' ? 'every backbone group' : `the last ${spec.trainable.k} backbone group(s)`}`);

  manualSeed(0);
  const models: [string, ClassificationModel][] = [
    ['ResNet-20', resnet('resnet20', { numClasses: 10 })],
    ['tiny BERT', new BertForSequenceClassification(bertConfig({ vocabSize: 64, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16, numLabels: 3 }))],
  ];
  try {
    for (const [label, model] of models) {
      let rates: [string, number | null][];
      try {
        rates = groupRates(model, spec);
      } catch (e) {
        report.fail(`${label}: planAdaptation rejected your strategy: ${errorText(e)}`);
        continue;
      }
      const table = rates.map(([g, lr]) => `${g} ${lr ?? 'frozen'}`).join(', ');
      const headLr = rates.find(([g]) => g === 'head')![1]!;
      const backbone = rates.filter(([g, lr]) => g !== 'head' && lr !== null) as [string, number][];
      const top = Math.max(...backbone.map(([, lr]) => lr));
      if (headLr === top) {
        report.fail(
          `${label}: the head and the backbone share one learning rate (${headLr} for ${backbone.map(([g]) => g).join(', ')} and head): the failure mode "one learning rate for all ` +
            `parameters without justification". The head starts from random weights and needs large steps; the pretrained backbone needs small ones. Give the head the larger rate.`,
        );
      } else if (headLr < top) {
        report.fail(`${label}: the backbone learns faster than the head (${table}): inverted. The random head needs the larger rate; the pretrained backbone the smaller one.`);
      } else {
        report.pass(`${label}: head > backbone (${table})`);
        const ratio = headLr / top;
        report.expect(
          ratio >= 2 && ratio <= 1000,
          `${label}: head/backbone ratio ${ratio.toPrecision(3)}`,
          ratio < 2
            ? `${label}: the head's rate is only ${ratio.toPrecision(3)}x the backbone's; at less than 2x the two groups effectively share a rate. Typical plans use 3x-30x.`
            : `${label}: the head's rate is ${ratio.toPrecision(3)}x the backbone's; beyond 1000x the backbone barely moves, which is a frozen run paid at full cost. Use frozen, or raise the backbone rate.`,
        );
      }
    }
  } finally {
    for (const [, m] of models) m.dispose();
  }
  const backboneLr = spec.lr.backbone ?? spec.lr.head;
  report.expect(
    spec.lr.head >= 1e-4 && spec.lr.head <= 1e-1,
    `head lr ${spec.lr.head} is in AdamW's usual range for a new head (1e-4 to 1e-1)`,
    `head lr ${spec.lr.head} is outside AdamW's usual range for a new head (1e-4 to 1e-1).`,
  );
  report.expect(
    backboneLr >= 1e-6 && backboneLr <= 1e-2,
    `backbone lr ${backboneLr} is in AdamW's usual fine-tuning range (1e-6 to 1e-2)`,
    `backbone lr ${backboneLr} is outside AdamW's usual fine-tuning range (1e-6 to 1e-2).`,
  );
  checkJustification(answer.justification, spec, report);
}
