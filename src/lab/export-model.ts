// `adaptlab export`: a model the lab handed over, written as a standalone directory that a PyTorch
// or Hugging Face user loads with their usual code, with nothing of adaptlab needed. Its kind
// writes it (src/kinds/<modality>/saved-model.ts):
//   vision: model.safetensors (a torchvision-style state dict: load_state_dict(strict=True) into
//           torchvision.models.<arch>(num_classes=K), or the CIFAR ResNet layout for resnet20/32/56),
//           config.json (architecture, classes, preprocessing) and a README with the loading code;
//   text:   a Hugging Face directory (config.json with id2label / label2id, model.safetensors with
//           BertForSequenceClassification names, the tokenizer files) and a README.
// A task-only model is first put on its backbone, so the export is always the whole model.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Modality } from '../record/vocabulary.js';
import { checkOutputsApart } from '../io/paths.js';
import { kindOf } from '../kinds/registry.js';
import { loadLabModel } from './load-saved-model.js';
import { replaceDir } from './saved-models.js';

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
    await kindOf(manifest.modality).exportStandalone(loaded, temp, manifest);
    replaceDir(temp, outDir);
    return { dir: outDir, files: readdirSync(outDir).sort(), modality: manifest.modality };
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  } finally {
    model.dispose();
  }
}

