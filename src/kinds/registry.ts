// Every modality kind adaptlab knows, by name: the one place a new kind is added.
import type { Modality } from '../record/vocabulary.js';
import type { Backbone, BackboneKind, LabeledRecord } from './backbone.js';
import { visionKind } from './vision/kind.js';
import { textKind } from './text/kind.js';
import type { ImageModelInput, VisionBackbone } from './vision/backbone.js';
import type { TextBackbone, TextModelInput } from './text/backbone.js';

// Each kind types its own records and backbones; here they are looked up by modality alone.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const KINDS: { readonly [M in Modality]: BackboneKind<any, any, any> } = {
  vision: visionKind,
  text: textKind,
};

/** A backbone of any kind, told apart by its `modality` (a vision one has `image`, a text one `text`). */
export type AnyBackbone = VisionBackbone | TextBackbone;

/** How a model of any kind reads input, told apart by its one field (`image` or `text`). */
export type AnyModelInput = ImageModelInput | TextModelInput;

/** The kinds in the order reports list them. */
export const MODALITIES = Object.keys(KINDS) as Modality[];

/** The kind of `modality`. */
export function kindOf(modality: Modality): BackboneKind<LabeledRecord, AnyModelInput, Backbone> {
  return KINDS[modality];
}
