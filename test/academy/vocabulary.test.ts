// The learning track speaks the product's vocabulary: strategy names from STRATEGY_NAMES, group
// names the models really have, option flags the CLI really takes, identifiers that exist in
// src/, and topic links that point at files which define what the link names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { STRATEGY_NAMES } from '../../src/record/vocabulary.js';
import { resnet } from '../../src/models/resnet.js';
import { BertForSequenceClassification } from '../../src/models/bert.js';
import { bertConfig } from '../../src/models/bert-config.js';
import { labCommand } from '../../src/cli/commands/lab.js';
import { repoRoot } from '../helpers.js';

function walk(dir: string, exts: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, exts) : exts.some((e) => p.endsWith(e)) ? [p] : [];
  });
}

const academyFiles = walk(join(repoRoot, 'academy'), ['.ts', '.md']);
const topicPath = join(repoRoot, 'academy/topics/transfer-and-fine-tuning.md');
const topic = readFileSync(topicPath, 'utf8');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const trackSection = readme.slice(readme.indexOf('## Learning track'));
const srcText = walk(join(repoRoot, 'src'), ['.ts']).map((f) => readFileSync(f, 'utf8')).join('\n');
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

test('every strategy-like name in academy/ is one of STRATEGY_NAMES, and every strategy is taught', () => {
  // snake_case words about freezing or tuning: a misspelt strategy would be one of these.
  const pattern = /\b[a-z]+(?:_[a-z]+)*_(?:unfreeze|freeze|frozen|finetune|fine_tune|tune|probe|scratch)\b|\b(?:full|partial|linear)_[a-z_]+\b/g;
  const seen = new Set<string>();
  for (const file of [...academyFiles, join(repoRoot, 'README.md')]) {
    for (const name of readFileSync(file, 'utf8').match(pattern) ?? []) {
      seen.add(name);
      assert.ok((STRATEGY_NAMES as readonly string[]).includes(name), `${relative(repoRoot, file)} names strategy "${name}", which is not in STRATEGY_NAMES`);
    }
  }
  for (const s of STRATEGY_NAMES) {
    assert.ok(topic.includes(`\`${s}\``), `the topic never names ${s}`);
    assert.ok(trackSection.includes(`\`${s}\``), `the README's Learning track never names ${s}`);
  }
  assert.ok(seen.has('partial_unfreeze') && seen.has('full_finetune'));
});

test('strategies passed to defineStrategy in academy/ code are library strategies', () => {
  for (const file of academyFiles.filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/defineStrategy\('([^']+)'/g)) {
      assert.ok((STRATEGY_NAMES as readonly string[]).includes(m[1]), `${relative(repoRoot, file)}: defineStrategy('${m[1]}')`);
    }
  }
});

test('group names the track mentions are groups the models have', () => {
  const models = [resnet('resnet20'), resnet('resnet18'), new BertForSequenceClassification(bertConfig({ vocabSize: 32, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 8 }))];
  const groups = new Set(models.flatMap((m) => m.parameterGroups().map((g) => g.name)));
  for (const m of models) m.dispose();
  const texts = [topic, trackSection, readFileSync(join(repoRoot, 'academy/exercises/resnet-bert-and-finetuning/README.md'), 'utf8')];
  const mentioned = new Set(texts.flatMap((t) => [...t.matchAll(/`(stem|head|pooler|embeddings|layer\d|layer\.\d)`/g)].map((m) => m[1])));
  assert.ok(mentioned.size >= 6, `only ${[...mentioned].join(', ')} mentioned`);
  for (const g of mentioned) assert.ok(groups.has(g), `group "${g}" is not a parameter group of resnet20, resnet18 or bert (${[...groups].join(', ')})`);
  // The starters quote the group lists of the models they are checked on.
  const ex02 = readFileSync(join(repoRoot, 'academy/exercises/resnet-bert-and-finetuning/ex02-lr-plan/starter.ts'), 'utf8');
  assert.match(ex02, /groups stem, layer1\.\.layer3, head/);
  assert.match(ex02, /embeddings, layer\.0, layer\.1, pooler, head/);
});

test('CLI flags in the topic and the README section are options of `adaptlab lab` (or of the demo and the checker)', () => {
  const lab = new Set(Object.keys(labCommand.options).map((k) => `--${kebab(k)}`));
  const own = new Set(['--strategy', '--steps', '--per-class', '--backbone', '--solution']);
  for (const flag of topic.match(/--[a-z][a-z-]*/g) ?? []) assert.ok(lab.has(flag), `topic: ${flag} is not an adaptlab lab option`);
  for (const flag of trackSection.match(/--[a-z][a-z-]*/g) ?? []) assert.ok(lab.has(flag) || own.has(flag), `README: ${flag} is not an option of the lab, the demo or the checker`);
});

test('camelCase identifiers the topic and exercise README put in code spans exist in src/', () => {
  const texts = [topic, readFileSync(join(repoRoot, 'academy/exercises/resnet-bert-and-finetuning/README.md'), 'utf8')];
  const spans = texts.flatMap((t) => [...t.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]));
  const ids = new Set(spans.flatMap((span) => span.match(/[A-Za-z_]\w*/g) ?? []).filter((w) => /^[a-z]+[A-Z][A-Za-z0-9]*$/.test(w)));
  assert.ok(ids.size >= 20, `only ${ids.size} identifiers found`);
  for (const id of ids) assert.ok(new RegExp(`\\b${id}\\b`).test(srcText), `\`${id}\` does not occur in src/`);
  // Flags the recommendation raises, as the topic quotes them.
  for (const flag of topic.match(/`([a-z]+(?:-[a-z]+)+)`/g) ?? []) {
    const name = flag.slice(1, -1);
    assert.ok(srcText.includes(`${name}:`) || srcText.includes(`'${name}'`), `flag ${name} is not raised anywhere in src/`);
  }
});

test('every link in the topic points to a file that exists, and names what that file defines', () => {
  const links = [...topic.matchAll(/\[([^\]]+)\]\(([^)]+)\)/g)];
  const code = links.filter(([, , href]) => href.includes('src/'));
  assert.ok(code.length >= 30, `only ${code.length} links into src/`);
  const files = new Set<string>();
  for (const [, text, href] of links) {
    const path = resolve(dirname(topicPath), href);
    assert.ok(existsSync(path), `link ${href} (${text}) points to a missing file`);
    files.add(relative(repoRoot, path));
    if (!href.endsWith('.ts')) continue;
    const body = readFileSync(path, 'utf8');
    // `name` spans in the link text are what the link promises: each must be in the file (file names excepted).
    for (const [, span] of text.matchAll(/`([^`]+)`/g)) {
      if (span.endsWith('.ts')) {
        assert.equal(span, path.split('/').pop(), `link text ${span} does not name ${href}`);
        continue;
      }
      for (const part of span.split('.')) assert.ok(new RegExp(`\\b${part}\\b`).test(body), `${href} does not define \`${part}\` (linked as ${text})`);
    }
  }
  // The topic covers each layer of the workflow with at least one link.
  for (const dir of ['src/adapt/', 'src/models/', 'src/optim/', 'src/evaluate/', 'src/decide/', 'src/lab/', 'src/tensor/', 'src/nn/']) {
    assert.ok([...files].some((f) => f.startsWith(dir)), `no link into ${dir}`);
  }
});

test('the scripts and paths the README section gives exist', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const script of trackSection.match(/npm run [a-z:-]+/g) ?? []) {
    const name = script.slice('npm run '.length);
    assert.ok(pkg.scripts[name], `package.json has no script "${name}"`);
  }
  for (const name of ['demo', 'exercise']) {
    const file = pkg.scripts[name].split(' ')[1];
    assert.ok(existsSync(join(repoRoot, file)), `${name}: ${file} is not built`);
    assert.ok(existsSync(join(repoRoot, file.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), `${name}: no source for ${file}`);
  }
  for (const m of trackSection.matchAll(/node (dist\/\S+\.js)/g)) {
    assert.ok(existsSync(join(repoRoot, m[1])), `${m[1]} does not exist`);
  }
  for (const m of trackSection.matchAll(/\]\((academy\/[^)]+)\)/g)) assert.ok(existsSync(join(repoRoot, m[1])), `${m[1]} does not exist`);
});
