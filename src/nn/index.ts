// Neural-network building blocks: the Module base, layers, attention and initialisers.
export { Module, countElements, type StateDict, type LoadResult } from './module.js';
export { Linear, Conv2d, BatchNorm2d, LayerNorm, Embedding, Dropout, ReLU, Identity, Sequential, ModuleList, type Conv2dOptions } from './layers.js';
export { MultiHeadSelfAttention, additiveAttentionMask, FLOAT32_MIN, type MultiHeadSelfAttentionOptions } from './attention.js';
export { LoraAdapter, attachLora, attachLoraTargets, isAdapterLayer, checkLoraOptions, type LoraOptions, type LoraTargets } from './lora.js';
export * as init from './init.js';
