// Example displays for the report fixture, made by the data side's own functions: a thumbnail for
// every vision example (a 28x28 grey "digit" whose bar sits where its class says, or a 64x48
// colour "photo" for every fifth, so both grey and RGB and both sizes are drawn) and a snippet for
// every text example, a third of them hostile and a third longer than a snippet.
import type { ExampleDisplay } from '../../src/data/example-display.js';
import { imageThumbnail, textSnippet } from '../../src/data/example-display.js';
import type { ImageRecord } from '../../src/data/types.js';
import type { ReportInput } from '../../src/report/types.js';
import type { ReportFixture } from './fixture.js';

/** A snippet that tries to leave its element, run script and load an image. */
export const HOSTILE_SNIPPET = `</blockquote></li><script>alert(7)</script><img src=x onerror=alert(8)> "quoted" & 'single'`;
/** A text much longer than a snippet: the report must show it cut with an ellipsis. */
export const LONG_TEXT = `${'A very long e-mail body that goes on and on. '.repeat(20)}THE END`;

function digit(id: string, label: number, classes: number): ImageRecord {
  const pixels = new Uint8Array(28 * 28);
  const top = Math.round((label / Math.max(1, classes - 1)) * 20);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) pixels[y * 28 + x] = y >= top && y < top + 6 && x > 3 && x < 24 ? 230 : (x * 5 + y * 3) % 50;
  return { id, label, height: 28, width: 28, channels: 1, pixels };
}

function photo(id: string, label: number): ImageRecord {
  const pixels = new Uint8Array(48 * 64 * 3);
  for (let y = 0; y < 48; y++) {
    for (let x = 0; x < 64; x++) {
      const i = (y * 64 + x) * 3;
      pixels[i] = (x * 4 + label * 40) % 256;
      pixels[i + 1] = (y * 5) % 256;
      pixels[i + 2] = 128 + label * 20;
    }
  }
  return { id, label, height: 48, width: 64, channels: 3, pixels };
}

/** Displays for every example id of the fixture's trials, by modality. */
export async function fixtureExamples(fixture: ReportFixture): Promise<NonNullable<ReportInput['examples']>> {
  const vision = new Map<string, ExampleDisplay>();
  const text = new Map<string, ExampleDisplay>();
  const classes = fixture.summary.modalities.vision!.dataset.classNames.length;
  const seen = new Set<string>();
  for (const t of fixture.trials) {
    for (const split of ['validation', 'test'] as const) {
      const p = t.predictions[split];
      for (let i = 0; i < p.ids.length; i++) {
        const id = p.ids[i];
        if (seen.has(`${t.modality}/${id}`)) continue;
        seen.add(`${t.modality}/${id}`);
        if (t.modality === 'vision') {
          vision.set(id, await imageThumbnail(i % 5 === 4 ? photo(id, p.labels[i]) : digit(id, p.labels[i], classes)));
        } else {
          const body = i % 3 === 0 ? `${HOSTILE_SNIPPET} (${id})` : i % 3 === 1 ? LONG_TEXT : `Message ${id} of class ${p.labels[i]}:\n\n  hello   there, about the offer`;
          text.set(id, textSnippet({ id, label: p.labels[i], text: body }));
        }
      }
    }
  }
  return { vision, text };
}
