// ResNet's residual blocks, laid out like torchvision's (v1.5: the stride sits on the 3x3 conv of
// a Bottleneck) so that state-dict names (`layer2.0.conv1.weight`, `layer2.0.downsample.0.weight`)
// match a torchvision checkpoint exactly. The CIFAR ResNets reuse BasicBlock with the "option B"
// shortcut: identity, or conv1x1(stride) + BN when the shape changes.
import { Tensor } from '../tensor/index.js';
import { Module, Conv2d, BatchNorm2d, Sequential } from '../nn/index.js';
import { chain, residualRelu_ } from './chain.js';

export type BlockKind = 'basic' | 'bottleneck';

/** Output channels per block = planes * expansion. */
export const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** 3x3 convolution, padding 1, no bias (a BatchNorm follows). */
export function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

/** 1x1 convolution, no bias. */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

// In place: BatchNorm's backward needs its input, not its output, so the activation it made can be
// overwritten (one allocation and one write saved per ReLU, as in torchvision).
const relu = (t: Tensor): Tensor => t.relu_();

/** Two 3x3 convs: (N, inPlanes, H, W) -> (N, planes, H/stride, W/stride). */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.module('conv1', conv3x3(inPlanes, planes, stride));
    this.bn1 = this.module('bn1', new BatchNorm2d(planes));
    this.conv2 = this.module('conv2', conv3x3(planes, planes));
    this.bn2 = this.module('bn2', new BatchNorm2d(planes));
    this.downsample = downsample === null ? null : this.module('downsample', downsample);
  }

  forward(x: Tensor): Tensor {
    const out = chain(
      x,
      (t) => this.conv1.forward(t),
      (t) => this.bn1.forward(t),
      relu,
      (t) => this.conv2.forward(t),
      (t) => this.bn2.forward(t),
    );
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return residualRelu_(out, identity, x);
  }
}

/** 1x1 reduce, 3x3 (strided), 1x1 expand: (N, inPlanes, H, W) -> (N, 4 * planes, H/stride, W/stride). */
export class Bottleneck extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super();
    this.conv1 = this.module('conv1', conv1x1(inPlanes, planes));
    this.bn1 = this.module('bn1', new BatchNorm2d(planes));
    this.conv2 = this.module('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.module('bn2', new BatchNorm2d(planes));
    this.conv3 = this.module('conv3', conv1x1(planes, planes * EXPANSION.bottleneck));
    this.bn3 = this.module('bn3', new BatchNorm2d(planes * EXPANSION.bottleneck));
    this.downsample = downsample === null ? null : this.module('downsample', downsample);
  }

  forward(x: Tensor): Tensor {
    const out = chain(
      x,
      (t) => this.conv1.forward(t),
      (t) => this.bn1.forward(t),
      relu,
      (t) => this.conv2.forward(t),
      (t) => this.bn2.forward(t),
      relu,
      (t) => this.conv3.forward(t),
      (t) => this.bn3.forward(t),
    );
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return residualRelu_(out, identity, x);
  }
}

/**
 * One stage (`layerK`): `blocks` blocks, the first with `stride` and a conv1x1 + BN shortcut when
 * the shape changes. Returns the stage and its output channels. The shortcut is built before the
 * block, as torchvision does, so default initialisation consumes the generator in the same order.
 */
export function makeStage(kind: BlockKind, inPlanes: number, planes: number, blocks: number, stride: number): { stage: Sequential; outPlanes: number } {
  const outPlanes = planes * EXPANSION[kind];
  const Block = kind === 'basic' ? BasicBlock : Bottleneck;
  const downsample = stride !== 1 || inPlanes !== outPlanes ? new Sequential(conv1x1(inPlanes, outPlanes, stride), new BatchNorm2d(outPlanes)) : null;
  const list: Module[] = [new Block(inPlanes, planes, stride, downsample)];
  for (let i = 1; i < blocks; i++) list.push(new Block(outPlanes, planes, 1, null));
  return { stage: new Sequential(...(list as (BasicBlock | Bottleneck)[])), outPlanes };
}
