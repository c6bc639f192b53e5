// `adaptlab predict`: class and probability per class for every example of an image folder, a
// single image, or a CSV/JSONL table, from a model the lab saved (models/<modality>/) or any
// checkpoint `adaptlab evaluate` accepts. When the data carries labels (class folders, a label
// column), the accuracy is reported too.
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { ClassificationModel } from '../../models/contract.js';
import { imagePreprocess } from '../../data/images.js';
import type { AnyModelInput } from '../../kinds/registry.js';
import { MODEL_MANIFEST_FILE } from '../../lab/saved-models.js';
import { loadImageClassifier, loadTextClassifier } from '../evaluate/model-loading.js';
import { loadImageFolder, IMAGE_EXTENSIONS } from '../../data/image-folder.js';
import { decodeImageFile } from '../../data/images.js';
import { readTextTable, readTexts } from '../../data/text-table.js';
import type { ImageRecord } from '../../data/types.js';
import { UsageError, DataError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { checkOutputsApart } from '../../io/paths.js';
import { loadLabModel } from '../../lab/load-saved-model.js';
import { predictImages, predictTexts, type BatchedPredictions } from '../evaluate/batched-prediction.js';
import { toCsv } from '../evaluate/predictions-csv.js';

export interface PredictRequest {
  model: string;
  data: string;
  backbone?: string;
  arch?: string;
  textColumn?: string;
  labelColumn?: string;
  encoding?: 'utf8' | 'utf8-replace';
  batchSize: number;
  json: boolean;
  out?: string;
  /** Checkpoints without adaptlab's manifest: image size (default 224) and tokens per text (default the model's maximum). */
  imageSize?: number;
  maxLength?: number;
}

export interface PredictionSet {
  classNames: string[];
  items: string[];
  /** Index into classNames per item, or null when the data has no labels (or a label the model does not know). */
  labels: (number | null)[];
  predictions: number[];
  probabilities: number[][];
  /** Over the labelled items; null when none is labelled. */
  accuracy: number | null;
}

function softmax(logits: Float32Array): number[] {
  const m = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Labels named in the data, mapped to the model's classes by name. */
function mapLabels(dataClasses: readonly string[], labels: readonly number[], modelClasses: readonly string[]): (number | null)[] {
  return labels.map((l) => {
    const i = modelClasses.indexOf(dataClasses[l]);
    return i >= 0 ? i : null;
  });
}

/** What predict runs: a model, its class names, and how its input is prepared (`image` or `text`). */
interface Predictor {
  model: ClassificationModel;
  classNames: string[];
  input: AnyModelInput;
}

/**
 * A model the lab saved (a directory with adaptlab-model.json), or any checkpoint `adaptlab
 * evaluate` accepts: a ResNet .safetensors file (adaptlab metadata, or --arch for a torchvision
 * state dict; ImageNet normalisation at --image-size) or a Hugging Face BERT classifier directory.
 */
async function loadPredictor(req: PredictRequest): Promise<Predictor> {
  if (!existsSync(req.model)) throw new UsageError(`--model ${req.model} does not exist; expected a model directory saved by adaptlab lab, a ResNet .safetensors file or a Hugging Face BERT directory`);
  if (statSync(req.model).isDirectory() && existsSync(join(req.model, MODEL_MANIFEST_FILE))) {
    const lab = await loadLabModel(req.model, { backbone: req.backbone, arch: req.arch });
    return { model: lab.model, classNames: lab.manifest.classNames, input: lab.input };
  }
  if (statSync(req.model).isFile()) {
    const c = loadImageClassifier(req.model, req.arch);
    const k = c.model.headInfo.numClasses;
    return { model: c.model, classNames: c.classNames ?? Array.from({ length: k }, (_, i) => `class_${i}`), input: { image: imagePreprocess({ imageSize: req.imageSize ?? 224 }) } };
  }
  const t = loadTextClassifier(req.model);
  return { model: t.model, classNames: t.classNames, input: { text: { tokenizer: t.tokenizer, maxLength: req.maxLength ?? Math.min(512, t.model.config.maxPositionEmbeddings) } } };
}

export async function predict(req: PredictRequest): Promise<PredictionSet> {
  if (!existsSync(req.data)) throw new UsageError(`--data ${req.data} does not exist; expected an image folder (<root>/<class>/<image>), one image file, or a .csv/.jsonl table`);
  if (req.out !== undefined) {
    checkOutputsApart([{ flag: '--out', path: req.out }], [
      { flag: '--model', path: req.model },
      { flag: '--data', path: req.data },
      ...(req.backbone ? [{ flag: '--backbone', path: req.backbone }] : []),
    ]);
  }
  const loaded = await loadPredictor(req);
  const { classNames, input } = loaded;
  try {
    let out: BatchedPredictions;
    let items: string[];
    let labels: (number | null)[];
    if ('image' in input) {
      let records: ImageRecord[];
      if (statSync(req.data).isDirectory()) {
        // Every file gets its prediction (copies too); images are decoded no larger than the model needs.
        const folder = await loadImageFolder(req.data, { duplicates: 'keep', imageSize: input.image.imageSize });
        records = folder.records;
        labels = mapLabels(folder.classNames, records.map((r) => r.label), classNames);
      } else {
        if (!IMAGE_EXTENSIONS.includes(extname(req.data).toLowerCase())) throw new UsageError(`--data ${req.data}: this is an image model; give an image folder or one ${IMAGE_EXTENSIONS.join('/')} file`);
        records = [await decodeImageFile(req.data, basename(req.data))];
        labels = [null];
      }
      items = records.map((r) => r.id);
      out = await predictImages(loaded.model, records, input.image, req.batchSize);
    } else {
      const { text } = input;
      let texts: string[];
      try {
        const table = readTextTable(req.data, { textColumn: req.textColumn, labelColumn: req.labelColumn, encoding: req.encoding });
        texts = table.records.map((r) => r.text);
        labels = mapLabels(table.classNames, table.records.map((r) => r.label), classNames);
      } catch (e) {
        if (!(e instanceof DataError) || !/label/i.test(e.message)) throw e;
        texts = readTexts(req.data, { textColumn: req.textColumn, encoding: req.encoding }); // no label column: predict only
        labels = texts.map(() => null);
      }
      items = texts;
      out = await predictTexts(loaded.model, text.tokenizer, texts, { maxLength: text.maxLength, batchSize: req.batchSize });
    }
    const labelled = labels.flatMap((l, i) => (l === null ? [] : [l === out.predictions[i] ? 1 : 0]));
    return {
      classNames,
      items,
      labels,
      predictions: out.predictions,
      probabilities: out.logits.map(softmax),
      accuracy: labelled.length ? labelled.reduce((a: number, b) => a + b, 0) / labelled.length : null,
    };
  } finally {
    loaded.model.dispose();
  }
}

/** CSV: item, label (when known), prediction, then p(<class>) per class. */
export function predictionsCsv(set: PredictionSet): string {
  const header = ['item', 'label', 'prediction', ...set.classNames.map((c) => `p(${c})`)];
  return toCsv(
    header,
    set.items.map((item, i) => [item, set.labels[i] === null ? '' : set.classNames[set.labels[i]!], set.classNames[set.predictions[i]], ...set.probabilities[i].map((p) => p.toPrecision(6))]),
  );
}

export function predictionsJson(set: PredictionSet): string {
  return JSON.stringify({
    classNames: set.classNames,
    accuracy: set.accuracy,
    predictions: set.items.map((item, i) => ({
      item,
      label: set.labels[i] === null ? null : set.classNames[set.labels[i]!],
      prediction: set.classNames[set.predictions[i]],
      probabilities: Object.fromEntries(set.classNames.map((c, k) => [c, set.probabilities[i][k]])),
    })),
  });
}

export function writeOrPrint(text: string, out: string | undefined): void {
  if (out === undefined) console.log(text.endsWith('\n') ? text.slice(0, -1) : text);
  else writeFileAtomic(out, text);
}
