// `adaptlab evaluate`'s options, checked and sorted into one of two requests: an image model
// (--weights + an image folder) or a text model (--model-dir + a text table). Every problem is a
// UsageError that says what is missing or wrong and what to pass instead, before anything loads.
import { UsageError } from '../../errors.js';
import type { ParsedOptions } from '../options.js';
import { checkOutputsApart } from '../../io/paths.js';

export type Rgb = [number, number, number];

interface CommonRequest {
  data: string;
  batchSize: number;
  /** Where to write per-sample predictions (CSV); none when absent. */
  predictions?: string;
  json: boolean;
}

export interface ImageEvaluationRequest extends CommonRequest {
  modality: 'vision';
  weights: string;
  /** Needed only when the weights file carries no adaptlab metadata. */
  arch?: string;
  /** Default: the backbone manifest next to the weights (adaptlab pretrain), else DEFAULT_IMAGE_SIZE. */
  imageSize?: number;
  mean?: Rgb;
  std?: Rgb;
}

export interface TextEvaluationRequest extends CommonRequest {
  modality: 'text';
  modelDir: string;
  textColumn?: string;
  /** Invalid UTF-8: an error naming the row ('utf8') or U+FFFD ('utf8-replace'). */
  encoding?: 'utf8' | 'utf8-replace';
  labelColumn?: string;
  /** Default: the smaller of the tokenizer's and the model's maximum length. */
  maxLength?: number;
}

export type EvaluationRequest = ImageEvaluationRequest | TextEvaluationRequest;

export const DEFAULT_IMAGE_SIZE = 224;
export const DEFAULT_BATCH_SIZE = 32;

const IMAGE_ONLY = ['imageSize', 'mean', 'std'] as const;
const TEXT_ONLY = ['textColumn', 'labelColumn', 'maxLength', 'encoding'] as const;
const FLAG: Record<string, string> = {
  imageSize: '--image-size',
  mean: '--mean',
  std: '--std',
  textColumn: '--text-column',
  encoding: '--encoding',
  labelColumn: '--label-column',
  maxLength: '--max-length',
};

const USAGE =
  'adaptlab evaluate --weights <model.safetensors> [--arch <resnet>] --data <image folder>  (image model)\n' +
  '   or: adaptlab evaluate --model-dir <Hugging Face BERT dir> --data <table.csv|.jsonl>  (text model)';

function str(options: ParsedOptions, name: string): string | undefined {
  const v = options[name];
  return typeof v === 'string' ? v : undefined;
}

function positiveInt(options: ParsedOptions, name: string, flag: string, min = 1): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new UsageError(`adaptlab evaluate: ${flag} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Three comma-separated numbers (R, G, B); std values must be positive. */
function rgb(options: ParsedOptions, name: 'mean' | 'std'): Rgb | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  const parts = Array.isArray(v) ? v : [String(v)];
  const values = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  const ok = values.length === 3 && values.every((x) => Number.isFinite(x) && (name === 'mean' || x > 0));
  if (!ok) {
    throw new UsageError(
      `adaptlab evaluate: --${name} expects three comma-separated ${name === 'std' ? 'positive ' : ''}numbers (R,G,B), e.g. --${name} ${name === 'mean' ? '0.485,0.456,0.406' : '0.229,0.224,0.225'}; got "${parts.join(',')}"`,
    );
  }
  return values as Rgb;
}

/** Sorts the parsed options into an image or a text request, or throws a UsageError. */
export function evaluationRequest(options: ParsedOptions): EvaluationRequest {
  const weights = str(options, 'weights');
  const modelDir = str(options, 'modelDir');
  const data = str(options, 'data');
  const missing: string[] = [];
  if (weights === undefined && modelDir === undefined) missing.push('--weights <file> (image model) or --model-dir <dir> (text model)');
  if (data === undefined) missing.push('--data <image folder or text table>');
  if (missing.length > 0) throw new UsageError(`adaptlab evaluate: missing ${missing.join(' and ')}.\nUsage: ${USAGE}`);
  if (weights !== undefined && modelDir !== undefined) {
    throw new UsageError(`adaptlab evaluate: pass either --weights (image model) or --model-dir (text model), not both.\nUsage: ${USAGE}`);
  }
  const predictions = str(options, 'predictions');
  if (predictions !== undefined) {
    checkOutputsApart([{ flag: '--predictions', path: predictions }], [
      { flag: '--data', path: data! },
      ...(weights !== undefined ? [{ flag: '--weights', path: weights }] : []),
      ...(modelDir !== undefined ? [{ flag: '--model-dir', path: modelDir }] : []),
    ]);
  }
  const common: CommonRequest = {
    data: data!,
    batchSize: positiveInt(options, 'batchSize', '--batch-size') ?? DEFAULT_BATCH_SIZE,
    predictions,
    json: options.json === true,
  };
  const arch = str(options, 'arch');
  const misplaced = (names: readonly string[], mode: string): void => {
    const given = names.filter((n) => options[n] !== undefined).map((n) => FLAG[n]);
    if (given.length > 0) throw new UsageError(`adaptlab evaluate: ${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} only to ${mode}.\nUsage: ${USAGE}`);
  };
  if (weights !== undefined) {
    misplaced(TEXT_ONLY, 'text models (--model-dir)');
    if (arch === 'bert') throw new UsageError('adaptlab evaluate: --arch bert is a text model; evaluate it with --model-dir <Hugging Face BERT dir> (config.json, vocab.txt, model.safetensors)');
    return {
      ...common,
      modality: 'vision',
      weights,
      ...(arch !== undefined ? { arch } : {}),
      imageSize: positiveInt(options, 'imageSize', '--image-size'),
      mean: rgb(options, 'mean'),
      std: rgb(options, 'std'),
    };
  }
  misplaced(IMAGE_ONLY, 'image models (--weights)');
  if (arch !== undefined && arch !== 'bert') {
    throw new UsageError(`adaptlab evaluate: --model-dir holds a BERT model, but --arch says ${arch}; drop --arch (or pass --arch bert), or evaluate an image model with --weights`);
  }
  return {
    ...common,
    modality: 'text',
    modelDir: modelDir!,
    textColumn: str(options, 'textColumn'),
    encoding: str(options, 'encoding') as 'utf8' | 'utf8-replace' | undefined,
    labelColumn: str(options, 'labelColumn'),
    maxLength: positiveInt(options, 'maxLength', '--max-length', 3),
  };
}
