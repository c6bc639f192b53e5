// E-mail to readable text: the Subject and the decoded body of a raw message, with every header
// and header-like line removed (the header rule is explained in text-datasets.ts). MIME parts,
// transfer encodings, charsets and HTML are handled just enough for the SpamAssassin corpus.

/**
 * The header rule (see above): the decoded Subject and the cleaned, whitespace-collapsed body.
 * With `maxChars`, the body may stop after its first maxChars characters (only those are used).
 */
export function emailSubjectAndBody(raw: string, maxChars = Infinity): { subject: string; body: string } {
  const message = parseMessage(raw.replace(/\r\n?/g, '\n'));
  const subject = collapse(decodeEncodedWords(message.headers.get('subject') ?? ''));
  const body = collapsePrefix(partText(message, 0), maxChars);
  return { subject, body };
}

interface MessagePart {
  /** Lower-case header name -> unfolded value (first occurrence). */
  headers: Map<string, string>;
  body: string;
}

/** Whitespace runs become one space; ends trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * collapse(text), or a longer-than-`limit` prefix of it: collapsing a prefix of the text gives a
 * prefix of the collapsed text, so long bodies need not be collapsed whole.
 */
function collapsePrefix(text: string, limit: number): string {
  if (!Number.isFinite(limit)) return collapse(text);
  for (let n = Math.max(64, limit * 2); ; n *= 2) {
    const collapsed = collapse(text.slice(0, n));
    if (collapsed.length > limit || n >= text.length) return collapsed;
  }
}

/** Splits headers from body at the first blank line; unfolds continuation lines. */
function parseMessage(raw: string): MessagePart {
  const split = raw.indexOf('\n\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const m = /^([!-9;-~]+):\s?(.*)$/.exec(line); // skips the mbox "From addr date" separator line
    if (m && !headers.has(m[1].toLowerCase())) headers.set(m[1].toLowerCase(), m[2]);
  }
  return { headers, body };
}

function headerParam(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

const MAX_MIME_DEPTH = 6;

/** The readable text of a part, by its content type. */
function partText(part: MessagePart, depth: number): string {
  const contentType = part.headers.get('content-type') ?? 'text/plain';
  const type = contentType.split(';')[0].trim().toLowerCase().replace(/['"]/g, '');
  if (type.startsWith('multipart/') && depth < MAX_MIME_DEPTH) {
    const boundary = headerParam(contentType, 'boundary');
    if (boundary) {
      const children = splitMultipart(part.body, boundary);
      if (type === 'multipart/alternative') {
        // The first alternative with any text, plain text first (some spam sends an empty plain part).
        const ordered = [...children.filter((c) => mimeType(c) === 'text/plain'), ...children.filter((c) => mimeType(c) !== 'text/plain')];
        for (const child of ordered) {
          const text = partText(child, depth + 1);
          if (text.trim() !== '') return text;
        }
        return '';
      }
      return children.map((c) => partText(c, depth + 1)).join('\n');
    }
  }
  if (type === 'message/rfc822' && depth < MAX_MIME_DEPTH) {
    const inner = parseMessage(part.body);
    return `${decodeEncodedWords(inner.headers.get('subject') ?? '')}\n${partText(inner, depth + 1)}`;
  }
  // text/rfc822-headers is a header block, text/x-* and others are attachments: only prose types are read.
  if (type !== 'text/plain' && type !== 'text/html' && type !== 'text/enriched' && !type.startsWith('multipart/')) return '';
  const text = decodeTransfer(part.body, part.headers.get('content-transfer-encoding') ?? '', headerParam(contentType, 'charset'));
  const plain = type === 'text/html' || /<(html|body|p|br|div|table|font)\b|<a\s+href/i.test(text) ? htmlToText(text) : text;
  return dropHeaderLines(plain);
}

function mimeType(part: MessagePart): string {
  return (part.headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
}

/** The parts between "--boundary" lines, up to "--boundary--"; preamble and epilogue dropped. */
function splitMultipart(body: string, boundary: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}` || trimmed === `--${boundary}--`) {
      if (current) parts.push(parsePartSource(current.join('\n')));
      if (trimmed.endsWith('--') && trimmed !== `--${boundary}`) return parts;
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  // No closing boundary (truncated message): keep the last part.
  if (current && current.length > 0) parts.push(parsePartSource(current.join('\n')));
  return parts;
}

/** A MIME part: its own header block (possibly empty: the part starts with a blank line) and body. */
function parsePartSource(source: string): MessagePart {
  return source.startsWith('\n') ? { headers: new Map(), body: source.slice(1) } : parseMessage(source);
}

function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'windows-1252').decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes); // unknown charset label
  }
}

/** A JS string of byte values (chars above 0xFF, from the package's own decoding, become UTF-8). */
function stringBytes(text: string): Uint8Array {
  return /[^\u0000-\u00ff]/.test(text) ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1');
}

function decodeTransfer(body: string, encoding: string, charset: string | undefined): string {
  const enc = encoding.trim().toLowerCase();
  if (enc === 'base64') return decodeBytes(Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset ?? 'utf-8');
  if (enc === 'quoted-printable') return decodeBytes(stringBytes(decodeQuotedPrintable(body)), charset);
  return body;
}

/** "=\n" joins lines; "=XX" is the byte 0xXX (kept as a char code, decoded by charset after). */
function decodeQuotedPrintable(text: string): string {
  return text.replace(/=[ \t]*\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** RFC 2047 "=?charset?B|Q?...?=" words, as in encoded Subject lines. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (_, charset: string, kind: string, data: string) => {
      const bytes = kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : stringBytes(decodeQuotedPrintable(data.replace(/_/g, ' ')));
      return decodeBytes(bytes, charset.split('*')[0]);
    });
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™', mdash: '—', ndash: '–', hellip: '…' };

/** Minimal HTML -> text: drop comments, style/script/head content and tags; decode common entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity: string, code: string) => {
      if (code[0] === '#') {
        const cp = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : ' ';
      }
      return NAMED_ENTITIES[code.toLowerCase()] ?? entity;
    });
}

// Header lines that can appear inside bodies (forwarded, quoted or bounced messages) and name the
// transport rather than the content. Matched after any quote markers: ">", "|", ")" or "Name>".
const QUOTE_MARKERS = /^\s*(?:[>|)]|[A-Za-z]{1,12}>)(?: *(?:[>|)]|[A-Za-z]{1,12}>))* ?/;
const HEADER_LINE = /^(received|return-path|delivered-to|delivery-date|message-id|envelope-to|errors-to|sender|reply-to|in-reply-to|references|precedence|mime-version|content-[a-z-]+|x-[a-z0-9-]+|list-[a-z-]+|thread-[a-z-]+|dkim-signature|domainkey-signature|user-agent|importance|status):/i;

/** Drops header lines and their folded continuation lines (which start with whitespace after the quote markers). */
function dropHeaderLines(text: string): string {
  const kept: string[] = [];
  let inHeader = false;
  for (const line of text.split('\n')) {
    const unquoted = line.replace(QUOTE_MARKERS, '');
    if (HEADER_LINE.test(unquoted.trimStart())) inHeader = true;
    else if (!(inHeader && /^[ \t]+\S/.test(unquoted))) inHeader = false;
    if (!inHeader) kept.push(line);
  }
  return kept.join('\n');
}
