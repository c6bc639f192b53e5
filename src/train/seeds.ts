// Seeds by purpose. A trial draws random numbers for several purposes: the model's
// initialisation, adapters attached to it, the order of the training examples, and dropout. Each
// purpose gets its own seed, derived from (seed, purpose) here and set where that purpose begins,
// so moving code around (an extra draw for one purpose, a cache hit instead of a miss) cannot
// change what another purpose draws.
//
//   init      buildModel(init, seed): the backbone kind seeds libtorch's generator with the trial
//             seed itself as it starts (a saved model is rebuilt from that seed, pooler included)
//   adapters  libtorch's generator, seeded with purposeSeed(seed, 'adapters') before they attach
//   order     a JS generator of its own (epochOrder), never libtorch's
//   dropout   libtorch's generator, seeded with purposeSeed(seed, 'dropout') as training starts;
//             nothing else draws from it during training
import { mulberry32 } from '../data/splits.js';

export type SeedPurpose = 'adapters' | 'order' | 'dropout';

/** A 32-bit seed for `purpose`, a hash of (seed, purpose): different purposes get unrelated streams. */
export function purposeSeed(seed: number, purpose: SeedPurpose): number {
  let h = 0x811c9dc5; // FNV-1a over the purpose's name, then the seed's four bytes
  for (const c of purpose) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ ((seed >>> (8 * i)) & 0xff), 0x01000193);
  // murmur3's finaliser spreads the bits
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The example order of one epoch: a Fisher-Yates shuffle of 0..n-1 driven by mulberry32 seeded
 * from (seed, epoch). Pure JS integer arithmetic, so it is the same on every machine and does not
 * consume libtorch's generator (which dropout and masking use).
 */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = mulberry32((seed ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
