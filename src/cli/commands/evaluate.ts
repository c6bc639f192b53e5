// `adaptlab evaluate`: scores a trained classifier on a labelled dataset and writes its
// per-example predictions. Image models come from one safetensors file and are evaluated on an
// ImageFolder; text models come from a Hugging Face BERT directory and are evaluated on a CSV or
// JSONL table; a masked-LM directory (a pretrained text backbone) is scored on the source task,
// masked-token accuracy, on the texts of a table. The work lives in src/cli/evaluate (imported lazily, so `--help` stays instant).
import { DEVICE_OPTIONS, type CommandSpec } from '../options.js';

export const evaluateCommand: CommandSpec = {
  name: 'evaluate',
  summary: 'score a trained classifier on a labelled image folder or text table (accuracy, macro-F1, per-class recall, confusion matrix), or a masked-LM backbone on a text table (masked-token accuracy vs the unigram baseline)',
  options: {
    weights: { type: 'string', description: 'image model: a .safetensors file with a trained head (adaptlab or torchvision ResNet names)' },
    arch: { type: 'string', description: 'architecture of --weights (resnet18, resnet34, resnet50, resnet20, ...); needed only when the file has no adaptlab metadata' },
    modelDir: { type: 'string', description: 'text model: a Hugging Face BERT directory (config.json, model.safetensors, vocab.txt or tokenizer.json); a classifier is scored on labels, a masked LM (e.g. adaptlab pretrain text) by masked-token accuracy' },
    data: { type: 'string', description: 'the labelled data: an image folder <root>/<class>/<image>, or a .csv/.jsonl table with text and label columns' },
    imageSize: { type: 'integer', description: 'images: Resize (shorter side) + CenterCrop to this many pixels (default: the manifest.json beside weights made by adaptlab pretrain, else 224)' },
    mean: { type: 'list', description: 'images: per-channel mean R,G,B of the normalisation (default: the manifest beside the weights, else ImageNet 0.485,0.456,0.406)' },
    std: { type: 'list', description: 'images: per-channel std R,G,B of the normalisation (default: the manifest beside the weights, else ImageNet 0.229,0.224,0.225)' },
    textColumn: { type: 'string', description: 'text: the column (CSV) or field (JSONL) holding the text (default "text")' },
    labelColumn: { type: 'string', description: 'text: the column holding the label, a class name of id2label or a class index (default "label")' },
    encoding: { type: 'string', description: "text: 'utf8' refuses invalid UTF-8 (naming the row); 'utf8-replace' turns it into U+FFFD", choices: ['utf8', 'utf8-replace'] },
    maxLength: { type: 'integer', description: "text: tokens per example incl. [CLS]/[SEP] (default: the model's maximum)" },
    batchSize: { type: 'integer', description: 'examples per forward pass (default 32)' },
    predictions: { type: 'string', description: 'write per-example predictions to this CSV: path|text,label,prediction (class names)' },
    json: { type: 'boolean', description: 'print the results as one JSON object' },
    ...DEVICE_OPTIONS,
  },
  examples: [
    'adaptlab evaluate --arch resnet18 --weights model.safetensors --data photos/test --image-size 32 --predictions preds.csv',
    'adaptlab evaluate --model-dir checkpoints/bert-reviews --data test.csv --predictions preds.csv --json',
    'adaptlab evaluate --model-dir backbones/text --data passages.csv        # a masked LM: masked-token accuracy',
    'adaptlab evaluate --weights backbones/vision/model.safetensors --data fashion/   # preprocessing from its manifest',
  ],
  async run({ options }) {
    const { evaluationRequest } = await import('../evaluate/evaluate-request.js');
    const request = evaluationRequest(options);
    if (request.modality === 'text') {
      const { textModelKind } = await import('../evaluate/model-loading.js');
      if (textModelKind(request.modelDir) === 'masked-lm') {
        const { evaluateMaskedLm, formatMaskedLm, maskedLmJson } = await import('../evaluate/evaluate-masked-lm.js');
        const evaluation = await evaluateMaskedLm(request);
        console.log(request.json ? JSON.stringify(maskedLmJson(evaluation)) : formatMaskedLm(evaluation));
        return 0;
      }
    }
    const { evaluateImages } = await import('../evaluate/evaluate-images.js');
    const { evaluateTexts } = await import('../evaluate/evaluate-texts.js');
    const { evaluationJson, formatEvaluation } = await import('../evaluate/evaluation-report.js');
    const evaluation = request.modality === 'vision' ? await evaluateImages(request) : await evaluateTexts(request);
    console.log(request.json ? JSON.stringify(evaluationJson(evaluation)) : formatEvaluation(evaluation));
    return 0;
  },
};
