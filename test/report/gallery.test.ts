// The galleries of misclassified examples: which examples each strategy shows, the lists of what
// transfer fixed and broke against the baseline on the same seed (on a fixture built so every
// list is known), the cap per strategy, and the markup: every display escaped, only PNG data
// URLs used as images, a snippet cut however long it was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrialRecord } from '../../src/record/run-record.js';
import type { StrategyName } from '../../src/record/vocabulary.js';
import type { ExampleDisplay } from '../../src/data/example-display.js';
import { textSnippet, imageThumbnail, SNIPPET_CHARS } from '../../src/data/example-display.js';
import { buildGalleries, galleryExampleIds, GALLERY_LIMIT } from '../../src/report/gallery.js';
import { gallerySection } from '../../src/report/gallery-section.js';
import { renderReport } from '../../src/report/html.js';
import { makeReportFixture } from './fixture.js';
import { fixtureExamples, HOSTILE_SNIPPET } from './gallery-fixture.js';

/** A trial record holding only what the galleries read: its test (and validation) predictions. */
function record(strategy: StrategyName, seed: number, labels: number[], predictions: number[], confidence?: number[]): TrialRecord {
  const p = { ids: labels.map((_, i) => `ex-${i}`), labels, predictions, ...(confidence ? { confidence } : {}) };
  return { modality: 'vision', strategy, seed, predictions: { validation: p, test: p } } as unknown as TrialRecord;
}

const LABELS = [0, 0, 1, 1, 2, 2, 0, 1];

test('fixed and broke are counted against the baseline on the same seed', () => {
  // seed 0: scratch wrong on 0, 2, 4, 6; frozen wrong on 2, 5, 7.
  const scratch0 = record('scratch', 0, LABELS, [1, 0, 0, 1, 0, 2, 2, 1], [0.9, 0.8, 0.7, 0.6, 0.5, 0.6, 0.4, 0.9]);
  const frozen0 = record('frozen', 0, LABELS, [0, 0, 2, 1, 2, 0, 0, 2], [0.8, 0.9, 0.95, 0.7, 0.6, 0.55, 0.99, 0.65]);
  // seed 1 (not the gallery's seed): every prediction wrong, so using it would change every list.
  const scratch1 = record('scratch', 1, LABELS, LABELS.map((y) => (y + 1) % 3));
  const frozen1 = record('frozen', 1, LABELS, LABELS.map((y) => (y + 2) % 3));
  const [s, f] = buildGalleries([frozen1, scratch1, frozen0, scratch0], 'test', 'scratch', ['scratch', 'frozen']);

  assert.equal(s.strategy, 'scratch');
  assert.equal(s.seed, 0, 'the smallest seed every strategy ran');
  assert.equal(s.against, null, 'the baseline is not compared with itself');
  assert.deepEqual([s.examples, s.wrong], [8, 4]);
  assert.deepEqual(s.shownWrong.map((e) => e.id), ['ex-0', 'ex-2', 'ex-4', 'ex-6'], 'the most confident mistake first');
  assert.deepEqual(s.shownFixed, []);

  assert.equal(f.strategy, 'frozen');
  assert.equal(f.seed, 0);
  assert.deepEqual(f.against, { baseline: 'scratch', fixed: 3, broke: 2 });
  // Broke (scratch right, frozen wrong): 5 and 7, before 2 (wrong under both); each by confidence.
  assert.deepEqual(f.shownWrong.map((e) => [e.id, e.broke]), [['ex-7', true], ['ex-5', true], ['ex-2', false]]);
  // Fixed (scratch wrong, frozen right): 0, 4 and 6, the most confident first.
  assert.deepEqual(f.shownFixed.map((e) => e.id), ['ex-6', 'ex-0', 'ex-4']);
  const six = f.shownFixed[0];
  assert.deepEqual(six, { id: 'ex-6', actual: 0, predicted: 0, confidence: 0.99, baseline: { predicted: 2, confidence: 0.4 } });
  assert.deepEqual(f.shownWrong[0], { id: 'ex-7', actual: 1, predicted: 2, confidence: 0.65, baseline: { predicted: 1, confidence: 0.9 }, broke: true });

  // Without a baseline there is nothing to fix or break; records without confidences still show.
  const [alone] = buildGalleries([record('frozen', 3, LABELS, [0, 1, 1, 1, 2, 2, 2, 1])], 'test', null);
  assert.equal(alone.against, null);
  assert.deepEqual(alone.shownWrong.map((e) => [e.id, e.confidence]), [['ex-1', null], ['ex-6', null]]);
});

test(`at most ${GALLERY_LIMIT} examples per strategy, fixed ones kept in view however many are wrong`, () => {
  const n = 200;
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  // scratch gets the first half right; full_finetune gets the second half right: 100 fixed, 100 broke.
  const scratch = record('scratch', 0, labels, labels.map((y, i) => (i < n / 2 ? y : (y + 1) % 4)));
  const full = record('full_finetune', 0, labels, labels.map((y, i) => (i >= n / 2 ? y : (y + 1) % 4)));
  const galleries = buildGalleries([scratch, full], 'test', 'scratch');
  for (const g of galleries) assert.ok(g.shownWrong.length + g.shownFixed.length <= GALLERY_LIMIT, `${g.strategy}: ${g.shownWrong.length} + ${g.shownFixed.length}`);
  const f = galleries.find((g) => g.strategy === 'full_finetune')!;
  assert.deepEqual(f.against, { baseline: 'scratch', fixed: 100, broke: 100 });
  assert.deepEqual([f.shownWrong.length, f.shownFixed.length], [16, 8]);
  assert.ok(f.shownWrong.every((e) => e.broke));
  // The lab makes displays for exactly what some gallery can show: bounded by the cap, not the split.
  const ids = galleryExampleIds([scratch, full], ['scratch']);
  assert.ok(ids.size <= 2 * 2 * 2 * GALLERY_LIMIT, `${ids.size} ids`);
  for (const e of [...f.shownWrong, ...f.shownFixed]) assert.ok(ids.has(e.id));
});

test('the report shows a gallery per strategy in each section, within the cap, with true and predicted class and confidence', async () => {
  const fixture = makeReportFixture();
  const examples = await fixtureExamples(fixture);
  const doc = renderReport({ summary: fixture.summary, trials: fixture.trials, examples });
  for (const modality of ['vision', 'text'] as const) {
    const start = doc.indexOf(`id="modality-${modality}"`);
    const section = doc.slice(start, doc.indexOf('</section>', start));
    assert.match(section, /<h3>Examples each strategy gets wrong <span class="sub">\(test split, one seed\)<\/span><\/h3>/);
    const galleries = [...section.matchAll(/<div class="gallery" data-strategy="([a-z_]+)">([\s\S]*?)<\/div>/g)];
    assert.deepEqual(galleries.map((m) => m[1]), ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune']);
    const expected = buildGalleries(fixture.trials.filter((t) => t.modality === modality), 'test', 'scratch', ['scratch', 'frozen', 'partial_unfreeze', 'full_finetune']);
    for (const [i, [, strategy, body]] of galleries.entries()) {
      const tiles = body.match(/<li class="tile/g) ?? [];
      assert.ok(tiles.length > 0 && tiles.length <= GALLERY_LIMIT, `${modality} ${strategy}: ${tiles.length} tiles`);
      const g = expected[i];
      assert.equal(tiles.length, g.shownWrong.length + g.shownFixed.length);
      assert.equal((body.match(/<li class="tile broke"/g) ?? []).length, g.shownWrong.filter((e) => e.broke).length, `${strategy}: broke tiles`);
      assert.equal((body.match(/<li class="tile fixed"/g) ?? []).length, g.shownFixed.length, `${strategy}: fixed tiles`);
      if (g.against) assert.ok(body.includes(`against scratch on the same seed: fixed ${g.against.fixed}, broke ${g.against.broke}`), `${strategy}: the counts`);
      assert.ok(body.includes(`${g.wrong} of ${g.examples} test examples wrong`));
      // Each tile: true class, predicted class, the model's confidence.
      const first = g.shownWrong[0] ?? g.shownFixed[0];
      assert.ok(body.includes(`<span class="conf" title="the model's probability for this class">${(100 * first.confidence!).toFixed(0)}%</span>`));
      const kind = modality === 'vision' ? /<img class="thumb" src="data:image\/png;base64,/ : /<blockquote class="snippet">/;
      assert.equal((body.match(new RegExp(kind.source, 'g')) ?? []).length, tiles.length, `${strategy}: every tile shows its example`);
    }
  }
  // Without displays the report still works: each example by its id.
  const bare = renderReport({ summary: fixture.summary, trials: fixture.trials });
  assert.match(bare, /<code class="example-id">test-\d+<\/code>/);
  assert.doesNotMatch(bare, /<img class="thumb"/);
});

test('hostile snippets and ids are escaped, long ones cut, and only PNG data URLs become images', async () => {
  const labels = [0, 1, 0, 1];
  const trial = record('frozen', 0, labels, [1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6]);
  trial.predictions.test.ids = ['<b>id</b>', 'ex-1', 'ex-2', 'ex-3'];
  const displays = new Map<string, ExampleDisplay>([
    ['<b>id</b>', textSnippet({ id: 'x', label: 0, text: HOSTILE_SNIPPET })],
    ['ex-1', { kind: 'snippet', text: `${'x'.repeat(500)}<script>`, truncated: false }],
    ['ex-2', { kind: 'thumbnail', src: 'javascript:alert(9)', width: 10, height: 10 }],
    ['ex-3', { kind: 'thumbnail', src: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=', width: 10, height: 10 }],
  ]);
  const html = gallerySection(buildGalleries([trial], 'test', null), ['<i>zero</i>', 'one & two'], displays);
  assert.ok(html.includes('&lt;/blockquote&gt;&lt;/li&gt;&lt;script&gt;alert(7)&lt;/script&gt;&lt;img src=x onerror=alert(8)&gt; &quot;quoted&quot; &amp; &#39;single&#39;'), html);
  assert.doesNotMatch(html, /<script|<img src=x|<b>|<i>/);
  assert.ok(html.includes('title="&lt;b&gt;id&lt;/b&gt;"'));
  assert.ok(html.includes('&lt;i&gt;zero&lt;/i&gt;') && html.includes('one &amp; two'));
  assert.ok(html.includes(`${'x'.repeat(240)}…</blockquote>`), 'a 500-character snippet is cut at 240');
  assert.doesNotMatch(html, /javascript:|svg\+xml/, 'a source that is not a PNG data URL is never used');
  assert.equal((html.match(/<code class="example-id">/g) ?? []).length, 2, 'those two examples are shown by their ids');

  // The data side's own cut: whitespace collapsed, at most SNIPPET_CHARS code points, never half a pair.
  const emoji = textSnippet({ id: 'y', label: 0, text: '🙂'.repeat(2 * SNIPPET_CHARS) });
  assert.deepEqual(emoji, { kind: 'snippet', text: `${'🙂'.repeat(SNIPPET_CHARS)}…`, truncated: true }, 'cut between code points, not inside a surrogate pair');
  const words = textSnippet({ id: 'w', label: 0, text: `${'a'.repeat(SNIPPET_CHARS - 1)}\n\n  ${'b'.repeat(10)}` });
  assert.deepEqual(words, { kind: 'snippet', text: `${'a'.repeat(SNIPPET_CHARS - 1)}…`, truncated: true }, 'no space left before the ellipsis');
  const short = textSnippet({ id: 'z', label: 0, text: ' a\tb \n c ' });
  assert.deepEqual(short, { kind: 'snippet', text: 'a b c', truncated: false });
});

test('thumbnails keep small images at their size, shrink large ones to fit 64 pixels, and are PNG data URLs', async () => {
  const grey = await imageThumbnail({ id: 'g', label: 0, height: 28, width: 28, channels: 1, pixels: new Uint8Array(28 * 28).fill(128) });
  assert.deepEqual(grey.kind === 'thumbnail' && [grey.width, grey.height], [28, 28]);
  const big = await imageThumbnail({ id: 'b', label: 0, height: 300, width: 400, channels: 3, pixels: new Uint8Array(300 * 400 * 3).fill(200) });
  assert.deepEqual(big.kind === 'thumbnail' && [big.width, big.height], [64, 48]);
  for (const t of [grey, big]) {
    assert.ok(t.kind === 'thumbnail');
    assert.match(t.src, /^data:image\/png;base64,/);
    const png = Buffer.from(t.src.slice('data:image/png;base64,'.length), 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [t.width, t.height], 'IHDR width and height');
  }
});
