// `adaptlab export`: a saved lab model as a standalone PyTorch or Hugging Face directory.
import type { CommandSpec } from '../options.js';

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'write a model adaptlab lab saved as a standalone directory for PyTorch (torchvision state dict) or Hugging Face (BERT directory)',
  options: {
    model: { type: 'string', description: 'a model directory written by adaptlab lab (e.g. runs/lab/models/vision)', required: true },
    out: { type: 'string', description: 'the new directory to write', required: true },
    backbone: { type: 'string', description: 'the backbone a task-only model was trained on (default: the embedded one, checked by hash)' },
    arch: { type: 'string', description: 'architecture of a --backbone ResNet file (default: the saved model\'s)' },
  },
  examples: ['adaptlab export --model runs/lab/models/vision --out exported/digits-resnet20', 'adaptlab export --model runs/lab/models/text --out exported/spam-bert'],
  async run({ options }) {
    const { exportModel } = await import('../../lab/export-model.js');
    const r = await exportModel(options.model as string, options.out as string, { backbone: options.backbone as string | undefined, arch: options.arch as string | undefined });
    console.log(`exported a ${r.modality} model to ${r.dir}: ${r.files.join(', ')}`);
    return 0;
  },
};
