// The target task of a modality, split deterministically and prepared the way the backbone
// expects: the embedded defaults (MNIST digits; Spam Assassin easy ham / hard ham / spam) or the
// user's own image folder or text table. The decision is made on one validation split, or, when
// that would be too coarse for the margin (or when asked), by k-fold cross-validation over every
// labelled example outside the test split.
import { splitDataset, checkDisjointSplit } from '../data/splits.js';
import { subsetTable, type ExampleTable } from '../data/example-table.js';
import { assignFolds } from '../data/folds.js';
import type { ExampleDisplay } from '../data/example-display.js';
import type { LabeledDataset, DataSplit } from '../data/types.js';
import type { DataAllocation } from '../record/run-record.js';
import type { TrialData } from '../adapt/trial.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_DEVICE, type Device } from '../tensor/index.js';
import type { Backbone, LabeledRecord } from '../kinds/backbone.js';
import { kindOf } from '../kinds/registry.js';
import { AUTO_FOLDS, type ModalityPlan } from './options.js';

export interface PreparedTarget {
  dataset: { name: string; classNames: string[]; contentHash: string };
  split: { seed: number; sizes: { train: number; validation: number; test: number }; counts: DataSplit<unknown>['counts'] };
  /** How the labelled data was allocated, and why. */
  allocation: DataAllocation;
  /** What was done to the data on its way into the model, and what the files held: sentences. */
  preprocessing: string[];
  /** Where the tables live (and so where trials on them train): cpu, cuda, cuda:N. */
  device: Device;
  /** The trial data of fold f (f = 0 with one validation split). Tables live until dispose(). */
  foldData(f: number): TrialData;
  /**
   * How a held-out example looks in the report (a thumbnail or a snippet), by the id its trial
   * records give it (a cross-validated test prediction's `<id>@<fold>` too); null for any other id.
   */
  showExample(id: string): Promise<ExampleDisplay | null>;
  dispose(): void;
}

export interface TargetOptions {
  /** Where the tables are put (default: the CPU); checked before data loads by the caller. */
  device?: Device;
  data?: string;
  splitSeed: number;
  textColumn?: string;
  labelColumn?: string;
  encoding?: 'utf8' | 'utf8-replace';
  /** 1, k >= 2, or 'auto': k-fold (AUTO_FOLDS) when one validation example would outweigh the margin. */
  folds: number | 'auto';
  /** Non-inferiority margin (fraction), for the 'auto' choice. */
  margin: number;
}

export async function prepareTarget(backbone: Backbone, plan: ModalityPlan, options: TargetOptions): Promise<PreparedTarget> {
  const dataset = await kindOf(backbone.modality).loadTarget(backbone, { path: options.data, textColumn: options.textColumn, labelColumn: options.labelColumn, encoding: options.encoding });
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
  const single = splitDataset(dataset, { seed: options.splitSeed, validation, test, trainPerClass: budget });
  checkDisjointSplit(single);

  const coarse = 1 / single.validation.length > options.margin;
  const folds = options.folds === 'auto' ? (coarse ? AUTO_FOLDS : 1) : options.folds;
  const device = options.device ?? DEFAULT_DEVICE;
  const makeTable = async (records: LabeledRecord[]): Promise<ExampleTable> => (await backbone.table(records)).moveTo_(device);
  const show = (r: LabeledRecord): ExampleDisplay | Promise<ExampleDisplay> => backbone.show(r);
  const base = {
    device,
    dataset: { name: dataset.name, classNames: dataset.classNames, contentHash: dataset.contentHash },
    // What the loader skipped or noticed (links not followed, duplicates dropped, images shrunk on decoding) comes first.
    preprocessing: [...loaderNotes(dataset.report), ...backbone.describePreparation(dataset.records)],
  };
  const margin = `${(100 * options.margin).toFixed(2)}-point margin`;

  if (folds === 1) {
    const tables: TrialData = { train: await makeTable(single.train), validation: await makeTable(single.validation), test: await makeTable(single.test) };
    const n = single.validation.length;
    const reason =
      options.folds === 'auto'
        ? `one validation split of ${n} examples (${(100 / n).toFixed(2)} points each) resolves the ${margin}, so no cross-validation was needed`
        : `one validation split of ${n} examples, as asked (--folds 1)`;
    return {
      ...base,
      split: { seed: single.seed, sizes: { train: single.train.length, validation: n, test: single.test.length }, counts: single.counts },
      showExample: exampleShower(show, [...single.validation, ...single.test]),
      allocation: { folds: 1, automatic: options.folds === 'auto', decisionExamples: n, trainPerModel: single.train.length, test: single.test.length, resolutionPoints: 100 / n, reason },
      foldData: (f) => {
        if (f !== 0) throw new ConfigError(`fold ${f} asked of a run with one validation split`);
        return tables;
      },
      dispose: () => disposeTables(tables),
    };
  }

  // Cross-validation: the test part stays exactly the one-split test part (splitDataset takes test
  // first); every other labelled example, up to the budget scaled so each fold trains on about
  // `budget` per class, goes into the pool the folds divide.
  const poolBudget = plan.labelBudgetExplicit
    ? Math.ceil((plan.labelBudget * folds) / (folds - 1))
    : Math.max(2, Math.min(Math.ceil((plan.labelBudget * folds) / (folds - 1)), ...classSizes.map((n) => n - partCount(test, n))));
  const cv = splitDataset(dataset, { seed: options.splitSeed, validation: { perClass: 0 }, test, trainPerClass: poolBudget });
  checkDisjointSplit(cv);
  const assignment = assignFolds(cv.train, folds, options.splitSeed, dataset.classNames);
  const pool = await makeTable(cv.train);
  const testTable = await makeTable(cv.test);
  const parts = new Map<number, TrialData>();
  const owned: ExampleTable[] = [pool, testTable];
  const rows = (keep: (fold: number) => boolean): number[] => assignment.flatMap((fold, i) => (keep(fold) ? [i] : []));
  const trainPerModel = cv.train.length - Math.ceil(cv.train.length / folds);
  const reason =
    options.folds === 'auto'
      ? `one validation split would hold ${single.validation.length} examples (${(100 / single.validation.length).toFixed(2)} points each), coarser than the ${margin}; ` +
        `so ${folds}-fold cross-validation over all ${cv.train.length} labelled non-test examples gives every one of them an out-of-fold prediction`
      : `${folds}-fold cross-validation over ${cv.train.length} labelled non-test examples, as asked (--folds ${folds})`;
  return {
    ...base,
    split: { seed: cv.seed, sizes: { train: trainPerModel, validation: cv.train.length, test: cv.test.length }, counts: cv.counts },
    showExample: exampleShower(show, [...cv.train, ...cv.test]),
    allocation: { folds, automatic: options.folds === 'auto', decisionExamples: cv.train.length, trainPerModel, test: cv.test.length, resolutionPoints: 100 / cv.train.length, reason },
    foldData: (f) => {
      if (!Number.isInteger(f) || f < 0 || f >= folds) throw new ConfigError(`fold ${f} asked of a ${folds}-fold run`);
      let data = parts.get(f);
      if (!data) {
        const train = subsetTable(pool, rows((fold) => fold !== f));
        const held = subsetTable(pool, rows((fold) => fold === f));
        owned.push(train, held);
        data = { train, validation: held, test: testTable };
        parts.set(f, data);
      }
      return data;
    },
    // Fold tables read through the pool: free them first.
    dispose: () => {
      for (const t of owned.reverse()) t.dispose();
    },
  };
}

/** Held-out records by id; a cross-validated test prediction's id carries its fold (`<id>@<fold>`, joinFolds). */
function exampleShower(show: (r: LabeledRecord) => ExampleDisplay | Promise<ExampleDisplay>, records: readonly LabeledRecord[]): (id: string) => Promise<ExampleDisplay | null> {
  const byId = new Map(records.map((r) => [r.id, r]));
  return async (id) => {
    const record = byId.get(id) ?? byId.get(id.replace(/@\d+$/, ''));
    return record ? show(record) : null;
  };
}

function disposeTables(t: TrialData): void {
  t.train.dispose();
  t.validation.dispose();
  t.test.dispose();
}

function loaderNotes(report: LabeledDataset<LabeledRecord>['report']): string[] {
  if (!report) return [];
  const skipped = report.skipped > 0 ? [`The loader skipped ${report.skipped} of ${report.entriesRead} entries: ${report.skippedDetails.slice(0, 3).join('; ')}${report.skippedDetails.length > 3 ? '; …' : ''}.`] : [];
  return [...skipped, ...report.notes.map((n) => (n.endsWith('.') ? n : `${n}.`))];
}
