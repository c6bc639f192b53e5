// The two escaping paths of the report: text in markup, and JSON inside a <script> element.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, jsonForScript } from '../../src/report/escape.js';

test('escapeHtml neutralises every character that can open markup or end an attribute', () => {
  assert.equal(escapeHtml(`<img src=x onerror=alert(1)>`), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(escapeHtml(`a & b "c" 'd'`), 'a &amp; b &quot;c&quot; &#39;d&#39;');
  // Already-escaped text is escaped again: the report shows exactly what the record holds.
  assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  assert.equal(escapeHtml('plain – ünïcode ✓'), 'plain – ünïcode ✓');
});

test('jsonForScript cannot close or confuse the script element, and parses back to the same value', () => {
  const value = {
    classNames: ['</script><script>alert(1)</script>', '<!-- x', 'a & b', 'line\u2028sep\u2029para', '</SCRIPT >'],
    nested: [{ title: '<b>' }],
    n: 1.5,
  };
  const json = jsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
  assert.match(json, /\\u003c\/script\\u003e/);
  assert.deepEqual(JSON.parse(json), value);
});

test('jsonForScript writes null for values JSON cannot hold', () => {
  assert.equal(jsonForScript(undefined), 'null');
  assert.equal(jsonForScript({ x: Number.NaN }), '{"x":null}');
});
