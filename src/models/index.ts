// Models: ResNets (torchvision names) and BERT (Hugging Face names), the transfer contract they
// share, the registry that builds them and the checkpoint formats that load and save them.
export {
  type BertInput,
  type ModelInput,
  type HeadInfo,
  type ParameterGroup,
  type TransferContract,
  type ClassificationModel,
  groupByPrefix,
  parameterGroupProblems,
} from './contract.js';
export { ResNet, resnet, resnetConfig, isResNetArch, RESNET_ARCHS, RESNET_SPECS, type ResNetArch, type ResNetConfig, type ResNetSpec } from './resnet.js';
export { BasicBlock, Bottleneck, makeStage, type BlockKind } from './resnet-blocks.js';
export { BertForSequenceClassification, BertForMaskedLM, BertModel, TiedLinear, initBertWeights } from './bert.js';
export { BertEmbeddings, BertLayer, BertEncoder, BertPooler, BertAttention, activation as bertActivation } from './bert-layers.js';
export { bertConfig, bertConfigFromJson, bertConfigToJson, classNamesOf, BERT_BASE, BERT_ACTIVATIONS, type BertConfig, type BertActivation } from './bert-config.js';
export { createModel, listArchs, isArch, ARCHS, type Arch, type ArchInfo, type CreateModelOptions } from './registry.js';
export {
  saveModel,
  loadModel,
  loadResnet,
  loadInto,
  uniqueStateDict,
  savedModelInfo,
  METADATA_KEY,
  type LoadReport,
  type LoadedModel,
  type SavedModelInfo,
} from './checkpoint.js';
export { loadBert, loadBertForMaskedLM, bertHeads, saveBert, readBertConfig, normalizeBertKeys, BERT_CONFIG_FILE, BERT_WEIGHTS_FILE, type LoadBertOptions, type SaveBertOptions } from './bert-checkpoint.js';
