import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ArgumentError } from '../../src/errors.js';
import { BertTokenizer, missingSpecialTokens, readVocabFile } from '../../src/data/tokenizer.js';
import { encodeTextBatch, disposeTextBatch } from '../../src/data/text-batch.js';
import { trainWordPieceVocab, trainWordPieceTokenizer, TRAINED_SPECIAL_TOKENS } from '../../src/data/wordpiece-training.js';
import { fixturePath } from '../helpers.js';

// Ids below are the line numbers of test/fixtures/data/text/make_vocab.mjs's TOKENS.
const CLS = 2;
const SEP = 3;
const uncasedDir = fixturePath('data', 'text', 'bert-tiny-uncased');
const casedDir = fixturePath('data', 'text', 'bert-tiny-cased');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'adaptlab-tokenizer-test-'));
}

test('uncased vocab.txt: lower-cases, strips accents, splits ## pieces, maps unknown words to [UNK]', async () => {
  const tok = BertTokenizer.fromDirectory(uncasedDir);
  assert.equal(tok.vocabSize, 28);
  assert.deepEqual(tok.ids, { cls: 2, sep: 3, pad: 0, unk: 1 });
  assert.equal(tok.maskId, 4);
  assert.deepEqual(await tok.encode('The quick brown fox jumps over the lazy dog.'), [CLS, 5, 6, 7, 8, 9, 10, 12, 5, 13, 14, 15, SEP]);
  assert.deepEqual(await tok.encode('Café NAÏVE, unbelievable!'), [CLS, 18, 19, 16, 20, 21, 22, 17, SEP]);
  assert.deepEqual(await tok.tokenize('unbelievable jumping'), ['un', '##believ', '##able', 'jump', '##ing']);
  // "jumpx": "jump" matches but "##x" does not, so the whole word is [UNK] (WordPiece's rule).
  assert.deepEqual(await tok.encode('zebra jumpx'), [CLS, 1, 1, SEP]);
  // Special tokens written in the text are kept whole, not lower-cased and split.
  assert.deepEqual(await tok.encode('hello [MASK] world?'), [CLS, 25, 4, 26, 27, SEP]);
  assert.equal(await tok.decode([CLS, 20, 21, 22, 9, 10, SEP]), 'unbelievable jumps');
});

test('cased tokenizer_config.json (do_lower_case false) keeps case and accents', async () => {
  const tok = BertTokenizer.fromDirectory(casedDir);
  assert.equal(tok.normalization?.lowercase, false);
  assert.equal(tok.normalization?.stripAccents, false);
  assert.deepEqual(await tok.encode('The Café the cafe THE'), [CLS, 23, 24, 5, 18, 1, SEP]);
  // The option overrides the file: lower-casing turns "The" into "the" and "Café" into "cafe".
  const forced = BertTokenizer.fromDirectory(casedDir, { lowercase: true });
  assert.deepEqual(await forced.encode('The Café'), [CLS, 5, 18, SEP]);
});

test('a vocab without [CLS]/[PAD] is refused with a ConfigError naming exactly what is missing', () => {
  assert.throws(
    () => BertTokenizer.fromDirectory(fixturePath('data', 'text', 'bert-missing-specials')),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /lacks the BERT special token\(s\) \[CLS\], \[PAD\]/);
      assert.match(e.message, /vocab\.txt/);
      return true;
    },
  );
  assert.throws(() => BertTokenizer.fromDirectory(fixturePath('data', 'text', 'no-such-dir')), ConfigError);
});

test('[MASK] is reported separately: a vocab without it loads, but masked-LM use is refused', () => {
  const dir = fixturePath('data', 'text', 'bert-no-mask');
  const tok = BertTokenizer.fromDirectory(dir);
  assert.equal(tok.maskId, null);
  assert.deepEqual(missingSpecialTokens(new Map(readVocabFile(join(dir, 'vocab.txt')).map((t, i) => [t, i]))), { required: [], mask: true });
  assert.throws(() => tok.requireMaskToken(), (e: unknown) => e instanceof ConfigError && /no \[MASK\] token, which masked-language-model pretraining needs/.test(e.message));
  assert.throws(() => BertTokenizer.fromDirectory(dir, { requireMask: true }), ConfigError);
  assert.equal(BertTokenizer.fromDirectory(uncasedDir, { requireMask: true }).requireMaskToken(), 4);
});

test('batches: truncation to maxLength keeps [SEP], padding to longest or to maxLength, int64 masks', async () => {
  const tok = BertTokenizer.fromDirectory(uncasedDir);
  const batch = await encodeTextBatch(tok, ['the quick brown fox jumps', 'the dog'], { maxLength: 6 });
  assert.deepEqual(batch.inputIds.shape, [2, 6]);
  assert.equal(batch.inputIds.dtype, 'int64');
  assert.equal(batch.attentionMask.dtype, 'int64');
  assert.equal(batch.tokenTypeIds.dtype, 'int64');
  assert.deepEqual(batch.inputIds.toArray(), [CLS, 5, 6, 7, 8, SEP, CLS, 5, 14, SEP, 0, 0]);
  assert.deepEqual(batch.attentionMask.toArray(), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(batch.tokenTypeIds.toArray(), new Array(12).fill(0));
  disposeTextBatch(batch);

  const longest = await tok.encodeBatch(['the dog', 'the lazy dog'], { maxLength: 64 });
  assert.equal(longest.length, 5);
  assert.deepEqual(longest.inputIds, [[CLS, 5, 14, SEP, 0], [CLS, 5, 13, 14, SEP]]);

  const fixed = await encodeTextBatch(tok, ['the dog', 'the lazy dog'], { maxLength: 8, padding: 'max_length' });
  assert.deepEqual(fixed.inputIds.shape, [2, 8]);
  assert.deepEqual(fixed.attentionMask.toArray(), [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
  disposeTextBatch(fixed);

  const pairs = await tok.encodeBatch([['the dog', 'the fox'], 'dog'], { maxLength: 16 });
  assert.deepEqual(pairs.inputIds[0], [CLS, 5, 14, SEP, 5, 8, SEP]);
  assert.deepEqual(pairs.tokenTypeIds[0], [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(pairs.inputIds[1], [CLS, 14, SEP, 0, 0, 0, 0]);

  // Concurrent calls with different maxLength do not see each other's truncation.
  const [short, long] = await Promise.all([tok.encodeBatch(['the quick brown fox'], { maxLength: 3 }), tok.encodeBatch(['the quick brown fox'], { maxLength: 32 })]);
  assert.deepEqual(short.inputIds, [[CLS, 5, SEP]]);
  assert.deepEqual(long.inputIds, [[CLS, 5, 6, 7, 8, SEP]]);

  await assert.rejects(tok.encodeBatch(['the'], { maxLength: 2 }), ArgumentError);
  await assert.rejects(tok.encodeBatch([]), ArgumentError);
});

test('save() writes vocab.txt, tokenizer_config.json and tokenizer.json that load back to the same ids', async () => {
  const dir = tempDir();
  try {
    for (const [name, source, sentence] of [['uncased', uncasedDir, 'The Café jumps, unbelievable!'], ['cased', casedDir, 'The Café the cafe THE']] as const) {
      const tok = BertTokenizer.fromDirectory(source);
      const out = join(dir, name);
      await tok.save(out);
      assert.deepEqual(readVocabFile(join(out, 'vocab.txt')), readVocabFile(join(source, 'vocab.txt')));
      const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')) as { do_lower_case: boolean };
      assert.equal(config.do_lower_case, tok.normalization?.lowercase);
      const json = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')) as { model: { type: string } };
      assert.equal(json.model.type, 'WordPiece');
      const again = BertTokenizer.fromDirectory(out); // tokenizer.json is preferred when present
      assert.equal(again.source, join(out, 'tokenizer.json'));
      assert.deepEqual(await again.encode(sentence), await tok.encode(sentence));
      assert.deepEqual(again.ids, tok.ids);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A small corpus with repeated words, so several merges pass a minimum frequency of 2 or 3.
const CORPUS = [
  'The whale swam under the ship; the sailors watched the whale.',
  'Whales and whalers: the whaling ship sailed at dawn.',
  'A sailor sings while the ship sails, and the sails fill.',
  'Ishmael watched the sea, the ship and the whales.',
  'Sailing, whaling, watching: the sailors were tired.',
  'Café society never saw the whale.',
];

test('WordPiece training is deterministic and puts [PAD] [UNK] [CLS] [SEP] [MASK] at ids 0..4', async () => {
  // The package's own WordPiece trainer gives a different vocabulary on each call (hash-map
  // order); ours must not.
  const a = await trainWordPieceVocab(CORPUS, { vocabSize: 120, minFrequency: 2 });
  const b = await trainWordPieceVocab(CORPUS, { vocabSize: 120, minFrequency: 2 });
  assert.deepEqual(a.tokens, b.tokens);
  assert.deepEqual(a.tokens.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.deepEqual(TRAINED_SPECIAL_TOKENS, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal(new Set(a.tokens).size, a.tokens.length);
  // The alphabet: every character of the normalised corpus, word-initial and "##" forms.
  for (const t of ['t', 'w', '##h', '##a', ';', ',', ':', '.']) assert.ok(a.tokens.includes(t), `alphabet has ${t}`);
  assert.ok(!a.tokens.includes('é') && !a.tokens.includes('##é'), 'accents are stripped before training (uncased)');
  // Frequent words become single pieces, continuation pieces exist.
  assert.ok(a.tokens.includes('the') && a.tokens.includes('ship'), 'frequent words are whole tokens');
  assert.ok(a.tokens.some((t) => t.startsWith('##') && t.length > 3), 'learned ## pieces');
  assert.ok(a.tokens.length <= 120);
});

test('vocabSize and minFrequency cut the same merge sequence', async () => {
  const all = await trainWordPieceVocab(CORPUS, { vocabSize: 30_000, minFrequency: 0 });
  assert.equal(all.stoppedBy, 'corpus');
  const small = await trainWordPieceVocab(CORPUS, { vocabSize: all.alphabetSize + 5 + 10, minFrequency: 0 });
  assert.equal(small.stoppedBy, 'vocabSize');
  assert.equal(small.tokens.length, all.alphabetSize + 5 + 10);
  assert.deepEqual(small.tokens, all.tokens.slice(0, small.tokens.length));
  const freq2 = await trainWordPieceVocab(CORPUS, { vocabSize: 30_000, minFrequency: 2 });
  const freq3 = await trainWordPieceVocab(CORPUS, { vocabSize: 30_000, minFrequency: 3 });
  assert.equal(freq3.stoppedBy, 'minFrequency');
  assert.ok(freq3.tokens.length < freq2.tokens.length && freq2.tokens.length < all.tokens.length);
  assert.deepEqual(freq3.tokens, freq2.tokens.slice(0, freq3.tokens.length));
  assert.deepEqual(freq2.tokens, all.tokens.slice(0, freq2.tokens.length));
  // "the" is the most frequent word: its merges pass every threshold here.
  assert.ok(freq3.tokens.includes('the'));
  await assert.rejects(trainWordPieceVocab(CORPUS, { vocabSize: 40_000 }), ConfigError);
  await assert.rejects(trainWordPieceVocab(['', '   ']), /no words/);
});

test('a trained tokenizer encodes its corpus and saves a loadable directory', async () => {
  const tok = await trainWordPieceTokenizer(CORPUS, { vocabSize: 200, minFrequency: 1 });
  assert.deepEqual(tok.ids, { cls: 2, sep: 3, pad: 0, unk: 1 });
  assert.equal(tok.maskId, 4);
  const ids = await tok.encode('The whale watched the sailors.');
  assert.equal(ids[0], 2);
  assert.equal(ids[ids.length - 1], 3);
  assert.ok(!ids.includes(1), 'every corpus word is covered without [UNK]');
  const dir = tempDir();
  try {
    await tok.save(dir);
    const again = BertTokenizer.fromDirectory(join(dir));
    assert.deepEqual(await again.encode('The whale watched the sailors.'), ids);
    assert.deepEqual(readVocabFile(join(dir, 'vocab.txt')), tok.tokens);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
