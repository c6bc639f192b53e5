// Evaluating an image classifier on an ImageFolder: folder classes are matched to the model's
// (class-mapping.ts) before any image is decoded, images go through torchvision's
// Resize + CenterCrop + normalisation (src/data/images.ts), predictions are batched. Weights made
// by `adaptlab pretrain vision` bring their preprocessing in the manifest.json beside them; flags
// override it, and without either torchvision's ImageNet defaults apply.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { scanImageFolder, loadImageFolder } from '../../data/image-folder.js';
import { imagePreprocess, type ImagePreprocess } from '../../data/images.js';
import { MANIFEST_FILE, readManifest } from '../../pretrain/manifest.js';
import { splitMetrics } from '../../evaluate/metrics.js';
import { predictImages } from './batched-prediction.js';
import { imageClassMap } from './class-mapping.js';
import type { Evaluation } from './evaluation-report.js';
import { DEFAULT_IMAGE_SIZE, type ImageEvaluationRequest } from './evaluate-request.js';
import { loadImageClassifier } from './model-loading.js';
import { writePredictionsCsv } from './predictions-csv.js';

/** The preprocessing of a backbone manifest describing these very weights, with a note; null when there is none. */
function manifestPreprocess(weights: string): { spec: Pick<ImagePreprocess, 'imageSize' | 'mean' | 'std'>; note: string } | null {
  const dir = dirname(weights);
  if (!existsSync(join(dir, MANIFEST_FILE))) return null;
  const m = readManifest(dir);
  if (m.kind !== 'vision' || m.weights.file !== basename(weights)) return null;
  const spec = { imageSize: m.imageSize, mean: m.mean, std: m.std };
  return { spec, note: `preprocessing from ${join(dir, MANIFEST_FILE)}: ${m.imageSize} px, mean ${m.mean.join(',')}, std ${m.std.join(',')} (flags override it)` };
}

export async function evaluateImages(req: ImageEvaluationRequest): Promise<Evaluation> {
  const fromManifest = manifestPreprocess(req.weights);
  const mean = req.mean ?? fromManifest?.spec.mean;
  const std = req.std ?? fromManifest?.spec.std;
  const spec = imagePreprocess({ imageSize: req.imageSize ?? fromManifest?.spec.imageSize ?? DEFAULT_IMAGE_SIZE, ...(mean ? { mean } : {}), ...(std ? { std } : {}) });
  const { classNames: folderClasses } = await scanImageFolder(req.data); // folder errors before the model loads
  const { model, arch, classNames: savedNames, notes } = loadImageClassifier(req.weights, req.arch);
  try {
    const head = model.headInfo;
    const toModel = imageClassMap(folderClasses, { numClasses: head.numClasses, classNames: savedNames }, { folder: req.data, weights: req.weights });
    const dataset = await loadImageFolder(req.data, { imageSize: spec.imageSize });
    const { predictions } = await predictImages(model, dataset.records, spec, req.batchSize);
    const rows = dataset.records.map((r, i) => ({ item: r.id, label: toModel[r.label], prediction: predictions[i] }));
    const metrics = splitMetrics({ ids: rows.map((r) => r.item), labels: rows.map((r) => r.label), predictions }, head.numClasses);
    const classNames = savedNames ?? folderClasses;
    if (req.predictions !== undefined) writePredictionsCsv(req.predictions, 'path', rows, classNames);
    return { modality: 'vision', arch, model: req.weights, data: req.data, classNames, rows, metrics, predictionsFile: req.predictions, notes: fromManifest ? [fromManifest.note, ...notes] : notes };
  } finally {
    model.dispose();
  }
}
