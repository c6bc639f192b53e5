// `adaptlab predict`: predictions of a model the lab saved, on new data. The work lives in
// src/cli/predict (imported lazily, so `--help` stays instant).
import { UsageError } from '../../errors.js';
import { DEVICE_OPTIONS, type CommandSpec } from '../options.js';

export const predictCommand: CommandSpec = {
  name: 'predict',
  summary: 'class and probability per class for images or texts, from a model adaptlab lab saved (models/<modality>/)',
  options: {
    model: { type: 'string', description: 'a model directory written by adaptlab lab (models/<modality>/), a ResNet .safetensors file, or a Hugging Face BERT classifier directory', required: true },
    data: { type: 'string', description: 'an image folder <root>/<class>/<image>, one image file, or a .csv/.jsonl table', required: true },
    backbone: { type: 'string', description: 'put the task file on this backbone instead of loading the full model (it must be the backbone the task was trained on)' },
    arch: { type: 'string', description: 'architecture of a --backbone ResNet file (default: the saved model\'s)' },
    textColumn: { type: 'string', description: 'text: the column (CSV) or field (JSONL) holding the text', default: 'text' },
    labelColumn: { type: 'string', description: 'text: the column holding the label, if any (the accuracy is reported)', default: 'label' },
    encoding: { type: 'string', description: "text: 'utf8' refuses invalid UTF-8 (naming the row); 'utf8-replace' turns it into U+FFFD", choices: ['utf8', 'utf8-replace'] },
    batchSize: { type: 'integer', description: 'examples per forward pass', default: 64 },
    imageSize: { type: 'integer', description: 'a ResNet file without adaptlab metadata: input size (default 224; ImageNet normalisation)' },
    maxLength: { type: 'integer', description: "a Hugging Face directory: tokens per text (default the model's maximum, at most 512)" },
    out: { type: 'string', description: 'write the predictions to this file instead of standard output' },
    json: { type: 'boolean', description: 'JSON instead of CSV' },
    ...DEVICE_OPTIONS,
  },
  examples: ['adaptlab predict --model runs/lab/models/vision --data photos/ --out predictions.csv', 'adaptlab predict --model runs/lab/models/text --data new-mail.csv --json'],
  async run({ options }) {
    const batchSize = options.batchSize as number;
    if (!(batchSize >= 1 && batchSize <= 4096)) throw new UsageError(`adaptlab predict: --batch-size must be an integer in 1..4096; got ${batchSize}`);
    const { predict, predictionsCsv, predictionsJson, writeOrPrint } = await import('../predict/run-predict.js');
    const set = await predict({
      model: options.model as string,
      data: options.data as string,
      backbone: options.backbone as string | undefined,
      arch: options.arch as string | undefined,
      textColumn: options.textColumn as string,
      labelColumn: options.labelColumn as string,
      encoding: options.encoding as 'utf8' | 'utf8-replace' | undefined,
      batchSize,
      json: options.json === true,
      out: options.out as string | undefined,
      imageSize: options.imageSize as number | undefined,
      maxLength: options.maxLength as number | undefined,
    });
    writeOrPrint(options.json ? predictionsJson(set) : predictionsCsv(set), options.out as string | undefined);
    if (set.accuracy !== null) console.error(`accuracy ${(100 * set.accuracy).toFixed(2)}% on ${set.labels.filter((l) => l !== null).length} labelled examples`);
    return 0;
  },
};
