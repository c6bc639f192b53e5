// Every model adaptlab can build, by name. Shared code builds models only through here and
// then uses the transfer contract; nothing downstream needs to know which family it holds.
import { ConfigError } from '../errors.js';
import { RESNET_ARCHS, RESNET_SPECS, ResNet, resnetConfig, isResNetArch } from './resnet.js';
import { BertForSequenceClassification } from './bert.js';
import { bertConfigFromJson, type BertConfig } from './bert-config.js';
import type { ClassificationModel } from './contract.js';
import type { Modality } from '../record/vocabulary.js';

export const ARCHS = [...RESNET_ARCHS, 'bert'] as const;
export type Arch = (typeof ARCHS)[number];

export interface ArchInfo {
  arch: Arch;
  modality: Modality;
  description: string;
}

export function listArchs(): ArchInfo[] {
  return ARCHS.map((arch) =>
    isResNetArch(arch)
      ? {
          arch,
          modality: 'vision' as const,
          description: `${arch}: ${RESNET_SPECS[arch].stem === 'imagenet' ? 'ImageNet' : 'CIFAR'} ResNet, ${RESNET_SPECS[arch].block} blocks ${RESNET_SPECS[arch].layers.join('/')}`,
        }
      : { arch, modality: 'text' as const, description: 'bert: BERT encoder + pooled [CLS] classifier (Hugging Face layout; configured by config.json)' },
  );
}

export function isArch(name: string): name is Arch {
  return (ARCHS as readonly string[]).includes(name);
}

export interface CreateModelOptions {
  /** Head size. ResNet default: 1000 (ImageNet archs) / 10 (CIFAR archs); BERT: config's numLabels. */
  numClasses?: number;
  /** ResNet image channels (default 3). */
  inChannels?: number;
  /**
   * BERT: a BertConfig (missing fields take bert-base defaults), or a Hugging Face config.json
   * object (recognised by its snake_case keys, e.g. `hidden_size`).
   */
  config?: Partial<BertConfig> | Record<string, unknown>;
  /** Class names of the head (length numClasses). */
  classNames?: readonly string[];
}

/** Builds `arch` with fresh weights (from libtorch's generator: seed it with manualSeed first). */
export function createModel(arch: string, options: CreateModelOptions = {}): ClassificationModel {
  if (!isArch(arch)) throw new ConfigError(`unknown architecture "${arch}"; available: ${ARCHS.join(', ')}`);
  const model = build(arch, options);
  if (options.classNames !== undefined) {
    try {
      model.restoreHeadInfo({ ...model.headInfo, classNames: [...options.classNames] });
    } catch (e) {
      model.dispose();
      throw new ConfigError(`createModel(${arch}): ${(e as Error).message}`);
    }
  }
  return model;
}

function build(arch: Arch, options: CreateModelOptions): ClassificationModel {
  if (isResNetArch(arch)) {
    if (options.config !== undefined) throw new ConfigError(`createModel(${arch}): "config" is for bert; ResNets take numClasses and inChannels`);
    return new ResNet(resnetConfig(arch, options));
  }
  const raw = options.config ?? {};
  const cfg: Partial<BertConfig> = isHfJson(raw) ? bertConfigFromJson(raw, 'createModel(bert) config') : (raw as Partial<BertConfig>);
  if (options.inChannels !== undefined) throw new ConfigError('createModel(bert): inChannels is for vision models');
  const numLabels = options.numClasses ?? cfg.numLabels;
  // A class count that differs from the config's id2label drops those names.
  const id2label = numLabels !== undefined && cfg.id2label && Object.keys(cfg.id2label).length !== numLabels ? undefined : cfg.id2label;
  const { id2label: _drop, ...rest } = cfg;
  return new BertForSequenceClassification({ ...rest, ...(numLabels !== undefined ? { numLabels } : {}), ...(id2label ? { id2label } : {}) });
}

function isHfJson(raw: object): raw is Record<string, unknown> {
  return ['hidden_size', 'num_hidden_layers', 'vocab_size', 'model_type', 'hidden_act'].some((k) => k in raw);
}
