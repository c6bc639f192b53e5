// Loading the classifier to evaluate: an image model from one safetensors file (adaptlab's own,
// whose metadata names the architecture and classes, or a torchvision-named ResNet state dict
// with --arch), or a text model from a Hugging Face BERT directory with its tokenizer. Evaluation
// needs a trained head: a checkpoint without one is refused rather than scored with random weights.
import { existsSync, statSync } from 'node:fs';
import { ConfigError, UsageError } from '../../errors.js';
import { readSafetensorsHeader, type Tensor } from '../../tensor/index.js';
import {
  RESNET_ARCHS,
  bertHeads,
  isResNetArch,
  loadBert,
  loadModel,
  loadResnet,
  savedModelInfo,
  type BertForSequenceClassification,
  type ClassificationModel,
} from '../../models/index.js';
import { BertTokenizer } from '../../data/tokenizer.js';

export interface ImageClassifier {
  model: ClassificationModel<Tensor>;
  arch: string;
  /** Class names saved with the weights (adaptlab metadata); absent for plain state dicts. */
  classNames?: string[];
  notes: string[];
}

export interface TextClassifier {
  model: BertForSequenceClassification;
  tokenizer: BertTokenizer;
  /** id2label in index order, or Hugging Face's default names LABEL_0, LABEL_1, ... */
  classNames: string[];
  /** Where the class names came from. */
  classNamesFrom: 'id2label' | 'default';
  notes: string[];
}

/** The image classifier in `weights`; `arch` is needed (and checked) only when the file does not say. */
export function loadImageClassifier(weights: string, arch?: string): ImageClassifier {
  if (!existsSync(weights) || !statSync(weights).isFile()) {
    throw new ConfigError(`weights file not found: ${weights} (working directory ${process.cwd()}). Expected a .safetensors file with a trained classifier.`);
  }
  const header = readSafetensorsHeader(weights);
  const info = savedModelInfo(header.metadata, weights);
  if (info !== null) {
    if (info.arch === 'bert') {
      throw new ConfigError(`${weights} holds a BERT text model; evaluate it from a Hugging Face directory with --model-dir (config.json, vocab.txt, model.safetensors).`);
    }
    if (arch !== undefined && arch !== info.arch) {
      throw new ConfigError(`${weights} holds a ${info.arch} (its adaptlab metadata says so), not a ${arch}; drop --arch or pass --arch ${info.arch}.`);
    }
    const { model, report } = loadModel(weights);
    return { model: model as ClassificationModel<Tensor>, arch: info.arch, classNames: model.headInfo.classNames, notes: report.notes };
  }
  if (arch === undefined) {
    throw new UsageError(`adaptlab evaluate: ${weights} has no adaptlab metadata naming its architecture; pass --arch (one of ${RESNET_ARCHS.join(', ')}).`);
  }
  if (!isResNetArch(arch)) {
    throw new UsageError(`adaptlab evaluate: --arch ${arch} is not an image architecture; expected one of ${RESNET_ARCHS.join(', ')}.`);
  }
  if (!header.entries.has('fc.weight')) {
    throw new ConfigError(
      `${weights} has no classifier head (no fc.weight): it is a backbone, and evaluating it would score a randomly initialised head. Evaluate the checkpoint saved after fine-tuning instead.`,
    );
  }
  const { model, report } = loadResnet(arch, weights);
  return { model, arch, notes: report.notes };
}

function checkModelDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(`model directory not found: ${dir} (working directory ${process.cwd()}). Expected a Hugging Face BERT directory with config.json, model.safetensors and vocab.txt or tokenizer.json.`);
  }
}

/**
 * What a text model directory is scored as: a classifier on labels, or (weights with a masked-LM
 * head and no classifier, as `adaptlab pretrain text` writes) a masked LM on masked-token accuracy.
 * A directory with neither head is treated as a classifier, whose loader explains what is missing.
 */
export function textModelKind(dir: string): 'classifier' | 'masked-lm' {
  checkModelDir(dir);
  const heads = bertHeads(dir);
  return !heads.classifier && heads.maskedLm ? 'masked-lm' : 'classifier';
}

/** The BERT classifier and tokenizer of a Hugging Face directory. */
export function loadTextClassifier(dir: string): TextClassifier {
  checkModelDir(dir);
  const { model, report } = loadBert(dir);
  try {
    if (!report.headLoaded) {
      throw new ConfigError(
        `${report.source} has no classifier (no classifier.weight): it is a pretrained backbone, and evaluating it would score a randomly initialised head. Evaluate the directory saved after fine-tuning instead.`,
      );
    }
    const tokenizer = BertTokenizer.fromDirectory(dir);
    if (tokenizer.vocabSize > model.config.vocabSize) {
      throw new ConfigError(
        `${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but the model embeds only ${model.config.vocabSize} (config.json vocab_size); the vocabulary belongs to another model. Use the tokenizer files saved with this checkpoint.`,
      );
    }
    const { numClasses, classNames } = model.headInfo;
    return {
      model,
      tokenizer,
      classNames: classNames ?? Array.from({ length: numClasses }, (_, i) => `LABEL_${i}`),
      classNamesFrom: classNames ? 'id2label' : 'default',
      notes: report.notes,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
