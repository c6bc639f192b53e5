// `adaptlab export`: a model the lab handed over, written as a standalone directory that a PyTorch
// or Hugging Face user loads with their usual code, with nothing of adaptlab needed:
//   vision: model.safetensors (a torchvision-style state dict: load_state_dict(strict=True) into
//           torchvision.models.<arch>(num_classes=K), or the CIFAR ResNet layout for resnet20/32/56),
//           config.json (architecture, classes, preprocessing) and a README with the loading code;
//   text:   a Hugging Face directory (config.json with id2label / label2id, model.safetensors with
//           BertForSequenceClassification names, the tokenizer files) and a README.
// A task-only model is first put on its backbone, so the export is always the whole model.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../tensor/index.js';
import { uniqueStateDict } from '../models/checkpoint.js';
import { saveBert } from '../models/bert-checkpoint.js';
import { BertForSequenceClassification } from '../models/bert.js';
import { UsageError } from '../errors.js';
import type { Modality } from '../record/vocabulary.js';
import { writeJsonAtomic } from '../io/atomic-file.js';
import { checkOutputsApart } from '../io/paths.js';
import { loadLabModel } from './load-saved-model.js';
import { replaceDir } from './saved-models.js';

const CIFAR_ARCHS = new Set(['resnet20', 'resnet32', 'resnet56']);

export interface ExportResult {
  dir: string;
  files: string[];
  modality: Modality;
}

export async function exportModel(modelDir: string, outDir: string, options: { backbone?: string; arch?: string } = {}): Promise<ExportResult> {
  checkOutputsApart([{ flag: '--out', path: outDir }], [{ flag: '--model', path: modelDir }, ...(options.backbone ? [{ flag: '--backbone', path: options.backbone }] : [])]);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new UsageError(`--out ${outDir} exists and is not empty; export writes a new directory. Choose a new path or remove it.`);
  const loaded = await loadLabModel(modelDir, options);
  const { manifest, model } = loaded;
  const temp = `${outDir}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  try {
    const k = manifest.classNames.length;
    const id2label = Object.fromEntries(manifest.classNames.map((c, i) => [String(i), c]));
    if (model instanceof BertForSequenceClassification) {
      saveBert(model, temp);
      await loaded.text!.tokenizer.save(temp);
      writeFileSync(join(temp, 'README.md'), textReadme(manifest.strategy, k));
    } else {
      // Only the state dict: the metadata says "format: pt" as Hugging Face's safetensors files do.
      writeSafetensors(join(temp, 'model.safetensors'), uniqueStateDict(model), { format: 'pt' });
      const prep = 'image' in manifest.preprocessing ? manifest.preprocessing.image : null;
      writeJsonAtomic(join(temp, 'config.json'), {
        architecture: manifest.arch,
        layout: CIFAR_ARCHS.has(manifest.arch) ? 'cifar-resnet (3x3 stem, no max-pool, stages of 16/32/64 channels, BasicBlocks, option-B 1x1 downsample; torchvision parameter names)' : 'torchvision',
        num_classes: k,
        id2label,
        label2id: Object.fromEntries(manifest.classNames.map((c, i) => [c, i])),
        preprocessing: prep && { image_size: prep.imageSize, resize: 'bilinear resize of the shorter side, then center crop', mean: prep.mean, std: prep.std, channels: 'RGB (grey images repeated to 3 channels)' },
        adaptlab: { strategy: manifest.strategy, seed: manifest.seed, validation_accuracy: manifest.metrics.validation, test_accuracy: manifest.metrics.test },
      });
      writeFileSync(join(temp, 'README.md'), visionReadme(manifest.arch, k));
    }
    replaceDir(temp, outDir);
    return { dir: outDir, files: readdirSync(outDir).sort(), modality: manifest.modality };
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  } finally {
    model.dispose();
  }
}

function visionReadme(arch: string, k: number): string {
  const build = CIFAR_ARCHS.has(arch)
    ? `model = CifarResNet(...)  # ${arch}: the layout in config.json; parameter names follow torchvision`
    : `model = torchvision.models.${arch}(num_classes=${k})`;
  return [
    `# ${arch}, ${k} classes (exported by adaptlab)`,
    '',
    '```python',
    'import torch, torchvision',
    'from safetensors.torch import load_file',
    build,
    'model.load_state_dict(load_file("model.safetensors"), strict=True)',
    'model.eval()',
    '```',
    '',
    'Inputs: see `preprocessing` in config.json. Class names: `id2label` in config.json.',
    '',
  ].join('\n');
}

function textReadme(strategy: string, k: number): string {
  return [
    `# BERT sequence classifier, ${k} classes (${strategy}, exported by adaptlab)`,
    '',
    '```python',
    'from transformers import AutoTokenizer, AutoModelForSequenceClassification',
    'tokenizer = AutoTokenizer.from_pretrained(".")',
    'model = AutoModelForSequenceClassification.from_pretrained(".")',
    '```',
    '',
  ].join('\n');
}
