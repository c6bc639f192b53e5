// How one example looks in a report: a small PNG thumbnail of an image record, or a short snippet
// of a text record. The report shows whichever it is given and never asks which modality it came
// from; the lab picks the function that fits its records where it prepares the target.
import type { ImageRecord, TextRecord } from './types.js';

/** What a report shows for one example: a thumbnail (a PNG data URL and its size in pixels) or a text snippet (plain text, not yet escaped). */
export type ExampleDisplay = { kind: 'thumbnail'; src: string; width: number; height: number } | { kind: 'snippet'; text: string; truncated: boolean };

/** Longest side of a thumbnail, in pixels: a 28x28 digit keeps its size, a photo is shrunk to fit. */
export const THUMBNAIL_SIDE = 64;
/** Characters (code points) of a snippet before it is cut with an ellipsis. */
export const SNIPPET_CHARS = 160;

/** The record's pixels as a PNG data URL, shrunk (never enlarged) so its longer side is at most `side`. */
export async function imageThumbnail(record: ImageRecord, side = THUMBNAIL_SIDE): Promise<ExampleDisplay> {
  const sharp = (await import('sharp')).default;
  const { data, info } = await sharp(Buffer.from(record.pixels.buffer, record.pixels.byteOffset, record.pixels.byteLength), {
    raw: { width: record.width, height: record.height, channels: record.channels },
  })
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 9 })
    .toBuffer({ resolveWithObject: true });
  return { kind: 'thumbnail', src: `data:image/png;base64,${data.toString('base64')}`, width: info.width, height: info.height };
}

/** The record's text with runs of whitespace made one space, cut after `chars` code points (never inside a surrogate pair). */
export function textSnippet(record: TextRecord, chars = SNIPPET_CHARS): ExampleDisplay {
  const points = Array.from(record.text.replace(/\s+/g, ' ').trim());
  const truncated = points.length > chars;
  return { kind: 'snippet', text: truncated ? `${points.slice(0, chars).join('').trimEnd()}…` : points.join(''), truncated };
}
