// Where a lab's job queue lives: a Redis URL, `redis://[user:password@]host[:port][/db]` (or
// `rediss://` for TLS), turned into the connection options BullMQ hands to ioredis. Every client
// waits through a Redis restart instead of failing its commands (maxRetriesPerRequest: null, which
// BullMQ requires of workers), and ioredis reconnects on its own, backing off up to 2 s.
import { UsageError } from '../errors.js';

/** The BullMQ queue every lab and every worker on one Redis database share; a job's id is its trial's fingerprint. */
export const QUEUE_NAME = 'adaptlab-trials';

export interface QueueConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

const FORM = 'redis://HOST:PORT (or redis://[user:password@]HOST[:PORT][/DB], rediss:// for TLS), e.g. redis://127.0.0.1:6379';

/** The connection a `--queue` URL names; a URL that is not one is a UsageError that shows the form. */
export function parseQueueUrl(raw: string, flag = '--queue'): QueueConnection {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag} expects ${FORM}; got "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`${flag} expects ${FORM}; got "${raw}", whose scheme is ${url.protocol.replace(/:$/, '')}`);
  if (url.hostname === '') throw new UsageError(`${flag} expects ${FORM}; got "${raw}", which names no host`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`${flag}: the part after the port is the Redis database number (0, 1, ...); got "/${path}" in "${raw}"`);
  if (url.search !== '' || url.hash !== '') throw new UsageError(`${flag} expects ${FORM}; "${raw}" has a query or fragment, which adaptlab does not read`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The queue as messages name it: never with its password. */
export function describeQueue(c: QueueConnection): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `${c.tls ? 'rediss' : 'redis'}://${c.username ? `${c.username}@` : ''}${host}:${c.port}${c.db ? `/${c.db}` : ''}`;
}
