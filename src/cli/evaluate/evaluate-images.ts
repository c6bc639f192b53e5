// Evaluating an image classifier on an ImageFolder: folder classes are matched to the model's
// (class-mapping.ts) before any image is decoded, images go through torchvision's
// Resize + CenterCrop + normalisation (src/data/images.ts), predictions are batched.
import { scanImageFolder, loadImageFolder } from '../../data/image-folder.js';
import { imagePreprocess } from '../../data/images.js';
import { splitMetrics } from '../../evaluate/metrics.js';
import { predictImages } from './batched-prediction.js';
import { imageClassMap } from './class-mapping.js';
import type { Evaluation } from './evaluation-report.js';
import type { ImageEvaluationRequest } from './evaluate-request.js';
import { loadImageClassifier } from './model-loading.js';
import { writePredictionsCsv } from './predictions-csv.js';

export async function evaluateImages(req: ImageEvaluationRequest): Promise<Evaluation> {
  const spec = imagePreprocess({ imageSize: req.imageSize, ...(req.mean ? { mean: req.mean } : {}), ...(req.std ? { std: req.std } : {}) });
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
    return { modality: 'vision', arch, model: req.weights, data: req.data, classNames, rows, metrics, predictionsFile: req.predictions, notes };
  } finally {
    model.dispose();
  }
}
