// A text model the lab saved, loaded back and exported. The saved directory is already a Hugging
// Face one (config.json with id2label, model.safetensors with BertForSequenceClassification
// names, the tokenizer files); the export writes the same files and a README with the
// transformers loading code (AutoModelForSequenceClassification.from_pretrained).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BertForSequenceClassification } from '../../models/bert.js';
import { loadBert, saveBert } from '../../models/bert-checkpoint.js';
import { BertTokenizer } from '../../data/tokenizer.js';
import { ArgumentError, ConfigError } from '../../errors.js';
import type { ReadyModel, SavedModelFacts, SavedPreprocessing } from '../backbone.js';
import type { TextModelInput } from './backbone.js';

/** The sequence length a saved text model recorded; a ConfigError when it recorded another kind's preparation. */
function savedMaxLength(preprocessing: SavedPreprocessing): number {
  if (!('text' in preprocessing)) {
    throw new ConfigError(`a text model's adaptlab-model.json must record text preprocessing (maxLength); found ${JSON.stringify(preprocessing)}. Save the model again with adaptlab lab.`);
  }
  return preprocessing.text.maxLength;
}

/** The Hugging Face directory of a saved text model (its weights are model.safetensors there), with its tokenizer. */
export function loadSavedTextModel(dir: string, _weights: string, preprocessing: SavedPreprocessing): ReadyModel<TextModelInput> {
  const maxLength = savedMaxLength(preprocessing);
  const model = loadBert(dir).model;
  try {
    return { model, input: { text: { tokenizer: BertTokenizer.fromDirectory(dir), maxLength } } };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Writes the standalone Hugging Face directory of a text model into `dir`. */
export async function exportTextModel(ready: ReadyModel<TextModelInput>, dir: string, facts: SavedModelFacts): Promise<void> {
  if (!(ready.model instanceof BertForSequenceClassification)) {
    throw new ArgumentError(`exportTextModel: expected a BertForSequenceClassification, got a ${ready.model.arch} model`);
  }
  saveBert(ready.model, dir);
  await ready.input.text.tokenizer.save(dir);
  writeFileSync(join(dir, 'README.md'), readme(facts.strategy, facts.classNames.length));
}

function readme(strategy: string, k: number): string {
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
