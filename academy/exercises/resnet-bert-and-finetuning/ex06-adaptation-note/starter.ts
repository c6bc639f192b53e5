// Exercise 6 — write the adaptation note and defend the cheapest acceptable depth.
//
// `run` is the text lab of exercise 5 (fixtures/text-run.json). Write the note you would keep for
// this modality: Markdown with these sections (## headings), each with real content:
//
//   ## Decision                        "Cheapest acceptable depth: <strategy>" and one sentence why
//   ## Evidence                        the best strategy, the margin, your depth's paired gap to the best
//   ## Scratch baseline                what scratch reached; did transfer beat it?
//   ## Trainable parameters and cost   your depth's trainable parameters, training FLOPs or stored bytes
//   ## Confusion pattern               what the confusion outputs showed that accuracy hid
//   ## Next experiment                 the smaller experiment to run next, and why
//
// The checker runs recommend() on the same evidence: the depth you defend must be the one it
// names. Hard-coded text or text computed from `run` are both fine; the numbers must be this run's.
// `adaptlab lab` writes a full version of this note (<out>/notes/<modality>.md): compare yours.
//
// Check:  npm run build:ts && npm run exercise -- 6
// Read:   academy/topics/transfer-and-fine-tuning.md ("The decision")
import type { RunFixture } from '../contracts.js';

export function writeNote(run: RunFixture): string {
  // TODO Defend the depth the evidence supports, not the highest score; fill in the missing
  //   sections. evidenceFromTrials() + recommend() (src/decide/) give you the verdicts and numbers,
  //   summarizeTrials() (src/evaluate/summarize.ts) the confusion comparisons.
  return `# Adaptation note: ${run.modality} — ${run.dataset}

## Decision

Cheapest acceptable depth: full_finetune

It has the highest validation accuracy of the four strategies.

## Evidence

TODO

## Trainable parameters and cost

full_finetune trains all 1850883 parameters.
`;
}
