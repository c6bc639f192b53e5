// A deliberately small Markdown subset for the adaptation notes: headings, lists, tables, fenced
// code, paragraphs, and inline code / bold / italic. The text is escaped before any markup is
// added, so raw HTML in a note shows as text, and the only tags in the output are the ones made
// here. Links stay as their literal text: the report must never point anywhere.
import { escapeHtml } from './escape.js';

/** Headings in a note start below the report's own section headings (h2 modality, h3 parts). */
const HEADING_OFFSET = 3;

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

export function renderMarkdown(markdown: string): string {
  const lines = String(markdown).replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++; // the closing fence (or the end of the note)
      out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1].length + HEADING_OFFSET);
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const header = tableCells(line);
      const aligns = tableCells(lines[i + 1]).map(alignment);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].includes('|') && lines[i].trim() !== '') rows.push(tableCells(lines[i++]));
      out.push(renderTable(header, aligns, rows));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1][0]);
      const items: string[] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]);
        if (m && /\d/.test(m[1][0]) === ordered) {
          items.push(m[2]);
        } else if (items.length > 0 && lines[i].trim() !== '' && /^\s+/.test(lines[i]) && !LIST_ITEM.test(lines[i])) {
          items[items.length - 1] += ' ' + lines[i].trim(); // an indented continuation line
        } else {
          break;
        }
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && !startsBlock(lines, i)) para.push(lines[i++].trim());
    if (para.length === 0) para.push(lines[i++].trim()); // a line that only looked like a block start
    out.push(`<p>${inline(para.join(' '))}</p>`);
  }
  return out.join('\n');
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i];
  if (FENCE.test(line) || HEADING.test(line) || LIST_ITEM.test(line)) return true;
  return line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]) && lines[i + 1].includes('-');
}

function tableCells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  // A `\|` is a literal bar inside a cell.
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

type Align = 'left' | 'right' | 'center' | null;

function alignment(cell: string): Align {
  const left = cell.startsWith(':');
  const right = cell.endsWith(':');
  return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
}

function renderTable(header: string[], aligns: Align[], rows: string[][]): string {
  const cls = (k: number): string => (aligns[k] ? ` class="md-${aligns[k]}"` : '');
  const head = header.map((c, k) => `<th${cls(k)}>${inline(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${header.map((_, k) => `<td${cls(k)}>${inline(r[k] ?? '')}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="md-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Inline code first (its content is never styled), then bold and italic on escaped text. */
function inline(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part) => {
      if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\*\*(?=\S)(.+?)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*(?=\S)([^*]+?)\*(?![*\w])/g, '$1<em>$2</em>')
        .replace(/(^|[^_\w])_(?=\S)([^_]+?)_(?![_\w])/g, '$1<em>$2</em>');
    })
    .join('');
}
