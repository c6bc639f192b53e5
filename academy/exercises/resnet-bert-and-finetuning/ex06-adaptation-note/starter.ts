// Exercise 6 — write the adaptation note and defend the cheapest acceptable depth.
//
// `run` is the text lab of exercise 5 (fixtures/text-run.json). Write the note you would keep for
// this modality: Markdown with these sections (## headings), each with real content:
//
//   ## Decision                        "Cheapest acceptable depth: <strategy>" on its own line,
//                                      "Evidence: <sufficient | provisional>" on its own line, and why;
//                                      when provisional, what keeps it open: the cheaper depth not ruled
//                                      out and the evidence (seeds, validation examples) that would settle
//                                      it, or the undertrained strategies the decision rests on
//   ## Sanity gates                    which strategies the gates excluded (did not learn, collapsed, did
//                                      not train) or flagged (undertrained, unstable), or that all passed
//   ## Evidence                        the best strategy, the margin, your depth's paired gap to the best
//   ## Scratch baseline                what scratch reached; did transfer beat it? (a scratch the gates
//                                      excluded is no baseline: then claim nothing against it)
//   ## Trainable parameters and cost   your depth's trainable parameters, training FLOPs or stored bytes
//   ## Confusion pattern               what the confusion outputs showed that accuracy hid
//   ## Next experiment                 the smaller experiment to run next, and why
//
// The checker runs recommend() on the same evidence: the depth you defend must be the one it
// names, and "Evidence:" must say what its `evidence` says. A provisional recommendation is still
// a recommendation (the cheapest depth shown acceptable); calling it settled overstates the
// evidence. Hard-coded text or text computed from `run` are both fine; the numbers must be this
// run's. `adaptlab lab` writes a full version of this note (<out>/notes/<modality>.md): compare yours.
//
// Check:  npm run build:ts && npm run exercise -- 6
// Read:   academy/topics/transfer-and-fine-tuning.md ("Sanity gates" and "The decision")
import type { RunFixture } from '../contracts.js';

export function writeNote(run: RunFixture): string {
  // TODO Defend the depth the evidence supports, not the highest score, and say as firmly as the
  //   evidence allows: recommend() returns `evidence` ('sufficient' | 'provisional' | 'insufficient'),
  //   `settled`, `cheapestNotRuledOut`, `evidenceNeeded` and `settlingMargin`, and every assessment
  //   says whether the strategy is `eligible` or `undertrained`. Fill in the missing sections.
  //   evidenceFromTrials() + recommend() (src/decide/) give you the verdicts and numbers,
  //   summarizeTrials() (src/evaluate/summarize.ts) the confusion comparisons and each strategy's
  //   `sanity` (the gates).
  return `# Adaptation note: ${run.modality} — ${run.dataset}

## Decision

Cheapest acceptable depth: full_finetune

Evidence: sufficient

It has the highest validation accuracy of the four strategies.

## Evidence

TODO

## Trainable parameters and cost

full_finetune trains all 1850883 parameters.
`;
}
