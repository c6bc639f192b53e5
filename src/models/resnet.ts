// ResNets with torchvision's state-dict names: the ImageNet family (resnet18/34/50: 7x7 stem,
// max-pool, four stages) and the CIFAR family of He et al. 2016 (resnet20/32/56: 3x3 stem,
// three stages of 16/32/64 channels, "option B" shortcuts), which reuses the same names
// (`conv1`, `bn1`, `layer1..3`, `fc`) so one loader and one set of group rules serve both.
import { Tensor, F, manualSeed } from '../tensor/index.js';
import { Module, Conv2d, BatchNorm2d, Linear, Sequential, init } from '../nn/index.js';
import { ArgumentError, ConfigError } from '../errors.js';
import { chain } from './chain.js';
import { makeStage, EXPANSION, type BlockKind } from './resnet-blocks.js';
import { groupByPrefix, checkHeadArgs, checkedHeadInfo, checkStep, type Activation, type HeadInfo, type ParameterGroup, type TransferContract } from './contract.js';

export const RESNET_ARCHS = ['resnet18', 'resnet34', 'resnet50', 'resnet20', 'resnet32', 'resnet56'] as const;
export type ResNetArch = (typeof RESNET_ARCHS)[number];

export interface ResNetSpec {
  block: BlockKind;
  /** Blocks per stage. */
  layers: number[];
  /** Planes per stage (output channels = planes * expansion). */
  planes: number[];
  stem: 'imagenet' | 'cifar';
}

export const RESNET_SPECS: Record<ResNetArch, ResNetSpec> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], planes: [64, 128, 256, 512], stem: 'imagenet' },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], planes: [64, 128, 256, 512], stem: 'imagenet' },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], planes: [64, 128, 256, 512], stem: 'imagenet' },
  resnet20: { block: 'basic', layers: [3, 3, 3], planes: [16, 32, 64], stem: 'cifar' },
  resnet32: { block: 'basic', layers: [5, 5, 5], planes: [16, 32, 64], stem: 'cifar' },
  resnet56: { block: 'basic', layers: [9, 9, 9], planes: [16, 32, 64], stem: 'cifar' },
};

/** Everything needed to rebuild a ResNet (JSON-serialisable). */
export interface ResNetConfig {
  arch: ResNetArch;
  /** Image channels (default 3). */
  inChannels: number;
  /** Classes of the head built with the model (default 1000 for ImageNet archs, 10 for CIFAR). */
  numClasses: number;
}

export function isResNetArch(arch: string): arch is ResNetArch {
  return (RESNET_ARCHS as readonly string[]).includes(arch);
}

/** A full config from a partial one, validated. */
export function resnetConfig(arch: string, options: { inChannels?: number; numClasses?: number } = {}): ResNetConfig {
  if (!isResNetArch(arch)) throw new ConfigError(`unknown ResNet architecture "${arch}"; supported: ${RESNET_ARCHS.join(', ')}`);
  const inChannels = options.inChannels ?? 3;
  const numClasses = options.numClasses ?? (RESNET_SPECS[arch].stem === 'imagenet' ? 1000 : 10);
  for (const [name, v] of [['inChannels', inChannels], ['numClasses', numClasses]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${arch}: ${name} must be an integer >= 1, got ${v}`);
  }
  return { arch, inChannels, numClasses };
}

export class ResNet extends Module implements TransferContract<Tensor> {
  readonly modality = 'vision' as const;
  readonly arch: ResNetArch;
  readonly #config: ResNetConfig;
  readonly spec: ResNetSpec;
  readonly featureDim: number;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: Sequential[];
  #fc: Linear;
  #head: HeadInfo;

  constructor(config: ResNetConfig) {
    super();
    const { arch, inChannels, numClasses } = resnetConfig(config.arch, config);
    this.arch = arch;
    this.#config = { arch, inChannels, numClasses };
    this.spec = RESNET_SPECS[arch];
    const imagenet = this.spec.stem === 'imagenet';
    const stemWidth = this.spec.planes[0];
    this.conv1 = this.module('conv1', new Conv2d(inChannels, stemWidth, imagenet ? 7 : 3, { stride: imagenet ? 2 : 1, padding: imagenet ? 3 : 1, bias: false }));
    this.bn1 = this.module('bn1', new BatchNorm2d(stemWidth));
    let planesIn = stemWidth;
    this.stages = this.spec.layers.map((blocks, i) => {
      const { stage, outPlanes } = makeStage(this.spec.block, planesIn, this.spec.planes[i], blocks, i === 0 ? 1 : 2);
      planesIn = outPlanes;
      return this.module(`layer${i + 1}`, stage);
    });
    this.featureDim = this.spec.planes[this.spec.planes.length - 1] * EXPANSION[this.spec.block];
    this.#fc = this.module('fc', new Linear(this.featureDim, numClasses));
    this.#head = { numClasses, seed: null };
    // torchvision's init, after every layer exists (so the generator is consumed in its order):
    // convs kaiming-normal (fan_out, relu); BatchNorm already weight 1, bias 0; fc keeps Linear's default.
    for (const [, m] of this.namedModules()) if (m instanceof Conv2d) init.kaimingNormal_(m.weight, 'fanOut', 'relu');
  }

  /** The configuration with the current head's class count (enough to rebuild this model). */
  get config(): ResNetConfig {
    return { ...this.#config, numClasses: this.#head.numClasses };
  }

  get fc(): Linear {
    return this.#fc;
  }

  get headLayer(): Linear {
    return this.#fc;
  }

  get headInfo(): HeadInfo {
    return { ...this.#head, ...(this.#head.classNames ? { classNames: [...this.#head.classNames] } : {}) };
  }

  /** (N, inChannels, H, W) float32 -> (N, featureDim) globally average-pooled features. */
  forwardFeatures(x: Tensor): Tensor {
    const s = x.shape;
    if (s.length !== 4 || s[1] !== this.config.inChannels) {
      throw new ArgumentError(`${this.arch}: expected images (N, ${this.config.inChannels}, H, W), got [${s.join(', ')}]; images need a batch dimension and ${this.config.inChannels} channels`);
    }
    return this.forwardFeaturesFrom(x, 0);
  }

  /** One step per parameter group before the head: the stem, then each stage. */
  #steps(): ((t: Tensor) => Tensor)[] {
    const imagenet = this.spec.stem === 'imagenet';
    const stem = (x: Tensor): Tensor =>
      chain(
        x,
        (t) => this.conv1.forward(t),
        (t) => this.bn1.forward(t),
        (t) => t.relu_(), // in place after BatchNorm (see resnet-blocks.ts)
        ...(imagenet ? [(t: Tensor) => F.maxPool2d(t, 3, 2, 1)] : []), // ImageNet stem: /4 in all
      );
    return [stem, ...this.stages.map((stage) => (t: Tensor) => stage.forward(t))];
  }

  /** The feature map after the stem and the first end-1 stages: (N, C, H', W'). */
  forwardPrefix(x: Tensor, end: number): Tensor {
    const steps = this.#steps();
    checkStep(this.arch, end, steps.length, 'forwardPrefix');
    return chain(x, ...steps.slice(0, end));
  }

  forwardFeaturesFrom(a: Activation, start: number): Tensor {
    const steps = this.#steps();
    checkStep(this.arch, start, steps.length, 'forwardFeaturesFrom');
    return chain(
      a as Tensor,
      ...steps.slice(start),
      (t) => F.adaptiveAvgPool2d(t, 1), // (N, C, 1, 1)
      (t) => t.flatten(1), // (N, C)
    );
  }

  /** (N, featureDim) -> (N, numClasses) */
  forwardHead(features: Tensor): Tensor {
    return this.#fc.forward(features);
  }

  forward(x: Tensor): Tensor {
    return chain(x, (t) => this.forwardFeatures(t), (t) => this.forwardHead(t));
  }

  resetClassifier(numClasses: number, seed: number, classNames?: readonly string[]): void {
    checkHeadArgs(this.arch, numClasses, seed, classNames);
    manualSeed(seed);
    const fc = new Linear(this.featureDim, numClasses); // torch.nn.Linear's default init
    fc.train(this.training);
    const old = this.#fc;
    this.#fc = this.module('fc', fc);
    old.dispose();
    this.#head = { numClasses, seed, ...(classNames ? { classNames: [...classNames] } : {}) };
  }

  restoreHeadInfo(info: HeadInfo): void {
    this.#head = checkedHeadInfo(this.arch, info, this.#fc.outFeatures);
  }

  /** stem (conv1, bn1), layer1..layerK, head (fc). */
  parameterGroups(): ParameterGroup[] {
    return groupByPrefix(
      this.namedParameters(),
      [{ name: 'stem', prefixes: ['conv1', 'bn1'] }, ...this.stages.map((_, i) => ({ name: `layer${i + 1}`, prefixes: [`layer${i + 1}`] })), { name: 'head', prefixes: ['fc'] }],
      this.arch,
    );
  }
}

export function resnet(arch: ResNetArch, options: { inChannels?: number; numClasses?: number } = {}): ResNet {
  return new ResNet(resnetConfig(arch, options));
}
