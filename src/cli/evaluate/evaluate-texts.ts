// Evaluating a BERT classifier on a text table (CSV or JSONL): labels are matched to the
// checkpoint's id2label (or indices) before the model runs, texts are tokenised with the
// directory's own tokenizer and truncated to the model's maximum length unless told otherwise.
import { UsageError } from '../../errors.js';
import { readTextTable } from '../../data/text-table.js';
import { splitMetrics } from '../../evaluate/metrics.js';
import { predictTexts } from './batched-prediction.js';
import { textLabelMap } from './class-mapping.js';
import type { Evaluation } from './evaluation-report.js';
import type { TextEvaluationRequest } from './evaluate-request.js';
import { loadTextClassifier } from './model-loading.js';
import { writePredictionsCsv } from './predictions-csv.js';

export async function evaluateTexts(req: TextEvaluationRequest): Promise<Evaluation> {
  const table = readTextTable(req.data, { textColumn: req.textColumn, labelColumn: req.labelColumn, encoding: req.encoding });
  const { model, tokenizer, classNames, classNamesFrom, notes } = loadTextClassifier(req.modelDir);
  try {
    const firstRow = table.classNames.map((_, c) => table.records.find((r) => r.label === c)!.id.replace('row-', 'data row '));
    const toModel = textLabelMap(table.classNames, classNames, { table: req.data, modelDir: req.modelDir, firstRow, namesFrom: classNamesFrom });
    const positions = model.config.maxPositionEmbeddings;
    if (req.maxLength !== undefined && req.maxLength > positions) {
      throw new UsageError(`adaptlab evaluate: --max-length ${req.maxLength} exceeds the ${positions} positions of the model in ${req.modelDir} (config.json max_position_embeddings); pass --max-length ${positions} or less.`);
    }
    const maxLength = req.maxLength ?? Math.min(tokenizer.modelMaxLength, positions);
    const texts = table.records.map((r) => r.text);
    const { predictions } = await predictTexts(model, tokenizer, texts, { maxLength, batchSize: req.batchSize });
    const rows = table.records.map((r, i) => ({ item: r.text, label: toModel[r.label], prediction: predictions[i] }));
    const metrics = splitMetrics({ ids: table.records.map((r) => r.id), labels: rows.map((r) => r.label), predictions }, classNames.length);
    if (req.predictions !== undefined) writePredictionsCsv(req.predictions, 'text', rows, classNames);
    return { modality: 'text', arch: model.arch, model: req.modelDir, data: req.data, classNames, rows, metrics, predictionsFile: req.predictions, notes };
  } finally {
    model.dispose();
  }
}
