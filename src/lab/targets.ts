// The target task of a modality, split deterministically and prepared the way the backbone
// expects: the embedded defaults (MNIST digits; Spam Assassin easy ham / hard ham / spam) or the
// user's own image folder or text table.
import { loadMnist } from '../data/vision-datasets.js';
import { loadSpamAssassin } from '../data/text-datasets.js';
import { loadImageFolder } from '../data/image-folder.js';
import { readTextTable } from '../data/text-table.js';
import { splitDataset, checkDisjointSplit } from '../data/splits.js';
import { imageBatch } from '../data/image-batch.js';
import { encodeTextBatch } from '../data/text-batch.js';
import { imageTable, tokenTable, type ExampleTable } from '../data/example-table.js';
import type { ImageRecord, TextRecord, LabeledDataset, DataSplit } from '../data/types.js';
import type { TrialData } from '../adapt/trial.js';
import { ConfigError, DataError } from '../errors.js';
import type { LabBackbone } from './backbone.js';
import type { ModalityPlan } from './options.js';

export interface PreparedTarget {
  dataset: { name: string; classNames: string[]; contentHash: string };
  split: { seed: number; sizes: { train: number; validation: number; test: number }; counts: DataSplit<unknown>['counts'] };
  data: TrialData;
  dispose(): void;
}

async function loadTarget(backbone: LabBackbone, dataPath: string | undefined, columns: { text?: string; label?: string }): Promise<LabeledDataset<ImageRecord> | LabeledDataset<TextRecord>> {
  if (backbone.modality === 'vision') return dataPath ? loadImageFolder(dataPath) : loadMnist();
  if (!dataPath) return loadSpamAssassin();
  return readTextTable(dataPath, { textColumn: columns.text, labelColumn: columns.label });
}

export async function prepareTarget(
  backbone: LabBackbone,
  plan: ModalityPlan,
  options: { data?: string; splitSeed: number; textColumn?: string; labelColumn?: string },
): Promise<PreparedTarget> {
  const dataset = await loadTarget(backbone, options.data, { text: options.textColumn, label: options.labelColumn });
  const classSizes = dataset.classNames.map((_, c) => dataset.records.filter((r) => r.label === c).length);
  const smallest = Math.min(...classSizes);
  const validation = plan.validationPerClassCap ? { perClass: Math.min(plan.validationPerClassCap, Math.floor(smallest * plan.validationFraction) || 1) } : { fraction: plan.validationFraction };
  const test = plan.testPerClassCap ? { perClass: Math.min(plan.testPerClassCap, Math.floor(smallest * plan.testFraction) || 1) } : { fraction: plan.testFraction };
  // The same budget for every class. A budget the user asked for is checked as asked (splitDataset
  // names a class that cannot give it); the default one shrinks to what the smallest class has left.
  const partCount = (size: { perClass: number } | { fraction: number }, n: number): number =>
    'perClass' in size ? size.perClass : size.fraction > 0 ? Math.max(1, Math.round(n * size.fraction)) : 0;
  const available = Math.min(...classSizes.map((n) => n - partCount(test, n) - partCount(validation, n)));
  const budget = plan.labelBudgetExplicit ? plan.labelBudget : Math.max(1, Math.min(plan.labelBudget, available));
  // A class must give at least one example to each part; splitDataset names the class otherwise.
  const split = splitDataset<ImageRecord | TextRecord>(dataset as LabeledDataset<ImageRecord | TextRecord>, {
    seed: options.splitSeed,
    validation,
    test,
    trainPerClass: budget,
  });
  checkDisjointSplit(split);
  const tables = backbone.modality === 'vision' ? imageTables(backbone, split as DataSplit<ImageRecord>) : await textTables(backbone, split as DataSplit<TextRecord>);
  return {
    dataset: { name: dataset.name, classNames: dataset.classNames, contentHash: dataset.contentHash },
    split: { seed: split.seed, sizes: { train: split.train.length, validation: split.validation.length, test: split.test.length }, counts: split.counts },
    data: tables,
    dispose: () => {
      tables.train.dispose();
      tables.validation.dispose();
      tables.test.dispose();
    },
  };
}

function imageTables(backbone: LabBackbone, split: DataSplit<ImageRecord>): TrialData {
  const prep = backbone.image;
  if (!prep) throw new ConfigError(`${backbone.source}: a vision backbone must say its image size and normalisation`);
  const table = (records: ImageRecord[]): ExampleTable => {
    const { images, labels } = imageBatch(records, prep);
    labels.dispose();
    return imageTable(images, records.map((r) => r.label), records.map((r) => r.id));
  };
  return { train: table(split.train), validation: table(split.validation), test: table(split.test) };
}

async function textTables(backbone: LabBackbone, split: DataSplit<TextRecord>): Promise<TrialData> {
  const prep = backbone.text;
  if (!prep) throw new ConfigError(`${backbone.source}: a text backbone must bring its tokenizer and sequence length`);
  const table = async (records: TextRecord[]): Promise<ExampleTable> => {
    if (records.some((r) => r.text.trim() === '')) throw new DataError('a text example is empty after loading; every example needs some text');
    const batch = await encodeTextBatch(prep.tokenizer, records.map((r) => r.text), { maxLength: prep.maxLength, padding: 'max_length' });
    return tokenTable(batch, records.map((r) => r.label), records.map((r) => r.id));
  };
  return { train: await table(split.train), validation: await table(split.validation), test: await table(split.test) };
}
