// The notes' Markdown subset: the blocks it understands, and that nothing else becomes markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../src/report/markdown.js';

const ALLOWED_TAGS = new Set(['h4', 'h5', 'h6', 'p', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'pre', 'code', 'strong', 'em']);

/** Every tag name in the output (opening or closing). */
function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1].toLowerCase());
}

test('headings sit below the report sections, and paragraphs join their lines', () => {
  const html = renderMarkdown('# Title\n\nfirst line\nsecond line\n\n## Sub ##\n### Deep\n#### Deeper');
  assert.equal(html, '<h4>Title</h4>\n<p>first line second line</p>\n<h5>Sub</h5>\n<h6>Deep</h6>\n<h6>Deeper</h6>');
});

test('bulleted and numbered lists, with continuation lines', () => {
  const html = renderMarkdown('- one\n  continued\n* two\n\n1. first\n2) second');
  assert.equal(html, '<ul><li>one continued</li><li>two</li></ul>\n<ol><li>first</li><li>second</li></ol>');
});

test('pipe tables keep their alignment and their cells are inline-formatted', () => {
  const html = renderMarkdown('| strategy | acc | note |\n|:---|---:|:-:|\n| `frozen` | 80.1 | **best** |\n| a \\| b | 1 |');
  assert.equal(
    html,
    '<table class="md-table"><thead><tr><th class="md-left">strategy</th><th class="md-right">acc</th><th class="md-center">note</th></tr></thead>' +
      '<tbody><tr><td class="md-left"><code>frozen</code></td><td class="md-right">80.1</td><td class="md-center"><strong>best</strong></td></tr>' +
      '<tr><td class="md-left">a | b</td><td class="md-right">1</td><td class="md-center"></td></tr></tbody></table>',
  );
});

test('fenced code is shown verbatim and escaped; inline code is never styled', () => {
  const html = renderMarkdown('```\n**not bold** </script>\n```\nuse `a*b*c` and *this*');
  assert.equal(html, '<pre><code>**not bold** &lt;/script&gt;</code></pre>\n<p>use <code>a*b*c</code> and <em>this</em></p>');
});

test('raw HTML, event handlers and links stay text', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(2)>',
    '# <svg onload=alert(3)>',
    '- [click](javascript:alert(4)) <a href="https://example.org">x</a>',
    '| <b>h</b> |\n|---|\n| <iframe src=//evil> |',
    '**<style>body{display:none}</style>**',
  ].join('\n\n');
  const html = renderMarkdown(hostile);
  for (const tag of tagsOf(html)) assert.ok(ALLOWED_TAGS.has(tag), `unexpected tag <${tag}> in ${html}`);
  assert.doesNotMatch(html, /<[^>]*\s(on\w+|href|src)=/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /\[click\]\(javascript:alert\(4\)\)/);
  assert.match(html, /<strong>&lt;style&gt;body\{display:none\}&lt;\/style&gt;<\/strong>/);
});

test('empty and blank notes render nothing', () => {
  assert.equal(renderMarkdown(''), '');
  assert.equal(renderMarkdown('\n  \n\r\n'), '');
});
