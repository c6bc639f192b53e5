// The progress display: in-place redraws on a TTY, plain periodic lines otherwise, and an ETA from
// the average rate. A fake clock and a fake stream make every frame exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatDuration } from '../../src/io/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WritableStream & { isTTY: boolean; columns: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean; columns: number };
  return { stream, text: () => chunks.join('') };
}

test('formatDuration: seconds, minutes with padded seconds, hours with padded minutes', () => {
  assert.equal(formatDuration(4.4), '4s');
  assert.equal(formatDuration(125), '2m05s');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(Number.NaN), '?');
});

test('plain mode (not a TTY): a line at once, then one per interval, and a final line; no control characters', () => {
  let now = 0;
  const { stream, text } = fakeStream(false);
  const p = new Progress({ label: 'job', total: 100, unit: 'steps', stream, lineEveryMs: 10_000, now: () => now });
  now = 1000;
  p.update(1, 'loss 2.0'); // first line (immediately)
  now = 5000;
  p.update(10); // within the interval: no line
  now = 12_000;
  p.update(50, 'loss 1.0'); // a line
  now = 20_000;
  p.finish('done');
  const lines = text().trimEnd().split('\n');
  assert.equal(lines.length, 3, text());
  assert.equal(lines[0], 'job: 1% (1/100 steps), 1s elapsed, loss 2.0');
  // 49 steps in 11 s after the first one: 50 left take 11.2 s.
  assert.equal(lines[1], 'job: 50% (50/100 steps), 12s elapsed, ~11s left, loss 1.0');
  assert.equal(lines[2], 'job: 50% (50/100 steps), 20s, done');
  assert.ok(!/[\r\x1b]/.test(text()));
});

test('TTY mode: redraws in place (carriage return + clear line) with a bar, throttled, newline at the end', () => {
  let now = 0;
  const { stream, text } = fakeStream(true);
  const p = new Progress({ label: 'job', total: 4, unit: 'batches', stream, redrawMs: 100, now: () => now });
  now = 200;
  p.tick();
  now = 250;
  p.tick(); // throttled: within 100 ms of the last draw
  now = 400;
  p.tick(1, 'x');
  p.finish();
  const frames = text().split('\r\x1b[2K').filter((f) => f !== '');
  assert.equal(frames.length, 3, JSON.stringify(text()));
  assert.match(frames[0], /^job {2}\[#{6}-{18}\] {2}25% {2}1\/4 batches {2}0s elapsed$/);
  assert.match(frames[1], /^job {2}\[#{18}-{6}\] {2}75% {2}3\/4 batches {2}0s left {2}x$/);
  assert.ok(frames[2].endsWith('\n'), 'the final frame ends the line');
  assert.ok(text().endsWith('\n'));
});

test('ETA: remaining units at the average rate since the first unit; NaN before a rate exists', () => {
  let now = 0;
  const p = new Progress({ label: 'job', total: 10, stream: null, now: () => now });
  assert.ok(Number.isNaN(p.etaSeconds));
  now = 5000; // a slow first unit (warm-up) is not part of the rate
  p.tick();
  assert.ok(Number.isNaN(p.etaSeconds));
  now = 7000;
  p.tick(2); // 2 units in 2 s
  assert.equal(p.etaSeconds, 7);
  assert.equal(p.done, 3);
});

test('log() prints above the bar; updates after finish() are ignored; total must be positive', () => {
  const { stream, text } = fakeStream(false);
  const p = new Progress({ label: 'job', total: 2, stream, now: () => 0 });
  p.log('hello');
  p.finish();
  const before = text();
  p.tick();
  assert.equal(text(), before);
  assert.ok(before.startsWith('hello\n'));
  assert.throws(() => new Progress({ label: 'x', total: 0, stream: null }), RangeError);
});
