// Small custom inputs for lab tests, made on the fly: a 3-class image folder of 28x28 grey
// PNGs, a 3-class CSV of short texts, and random-weight backbones (a ResNet-20 safetensors
// file and a tiny Hugging Face BERT directory with its vocab).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { manualSeed } from '../../src/tensor/index.js';
import { resnet } from '../../src/models/resnet.js';
import { saveModel } from '../../src/models/checkpoint.js';
import { saveBert } from '../../src/models/bert-checkpoint.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import { BertTokenizer } from '../../src/data/tokenizer.js';

/** Class c draws a bright bar at rows 4c..4c+8 (plus per-image noise), so classes are learnable. */
export async function makeImageFolder(root: string, perClass = 10): Promise<void> {
  for (const [c, name] of ['bars-top', 'bars-middle', 'bars-bottom'].entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(28 * 28);
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) px[y * 28 + x] = (x * 7 + y * 13 + i * 31) % 40;
      for (let y = 4 + 8 * c; y < 12 + 8 * c; y++) for (let x = 2; x < 26; x++) px[y * 28 + x] = 200 + ((x + i) % 50);
      await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(root, name, `img-${i}.png`));
    }
  }
}

const WORDS = ['apple', 'river', 'stone', 'cloud', 'green', 'quick', 'light', 'sound'];

export function makeTextTable(path: string, perClass = 12): void {
  const rows = ['text,label'];
  const labels = ['fruit', 'water', 'sky'];
  for (const [c, label] of labels.entries()) {
    for (let i = 0; i < perClass; i++) {
      const words = [WORDS[c * 2], WORDS[c * 2 + 1], WORDS[(i + c) % WORDS.length], WORDS[(i * 3) % WORDS.length]];
      // quoted fields with commas exercise the CSV parser
      rows.push(`"${words.join(' ')}, number ${i}",${label}`);
    }
  }
  writeFileSync(path, rows.join('\n') + '\n');
}

export function makeResnetBackbone(path: string): void {
  manualSeed(0);
  const model = resnet('resnet20', { numClasses: 10 });
  saveModel(model, path);
  model.dispose();
}

export async function makeBertBackbone(dir: string): Promise<void> {
  manualSeed(0);
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ',', 'number', ...WORDS, ...Array.from({ length: 12 }, (_, i) => String(i))];
  const config = bertConfig({ vocabSize: tokens.length, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32, numLabels: 2 });
  const model = new BertForSequenceClassification(config);
  saveBert(model, dir);
  model.dispose();
  await BertTokenizer.fromVocab(tokens).save(dir);
}
