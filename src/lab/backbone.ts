// The backbone a lab run adapts is a modality kind's Backbone (src/kinds): the embedded default,
// a directory written by `adaptlab pretrain`, or a checkpoint its kind reads.
export { resolveBackbone } from '../kinds/load.js';
export type { Backbone as LabBackbone } from '../kinds/backbone.js';
