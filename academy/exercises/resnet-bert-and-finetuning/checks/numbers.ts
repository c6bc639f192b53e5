// Comparing a number the learner reports (in accuracy points) with the run's own, with feedback
// for the usual slips: a fraction instead of points, a flipped sign, a missing value.
import { Report, isFiniteNumber } from './report.js';

/** Tolerance in points: rounding to one decimal is fine; a different quantity is not. */
export const POINTS_TOLERANCE = 0.05;

export function checkPoints(report: Report, field: string, given: unknown, expected: number, how: string, signHint: string): void {
  if (!isFiniteNumber(given)) {
    report.fail(`${field} is ${String(given)}: ${how}`);
  } else if (Math.abs(given - expected) <= POINTS_TOLERANCE) {
    report.pass(`${field} = ${given.toFixed(2)} points`);
  } else if (Math.abs(given * 100 - expected) <= POINTS_TOLERANCE) {
    report.fail(`${field} = ${given}: that is a fraction of accuracy; report accuracy points (multiply by 100).`);
  } else if (Math.abs(given + expected) <= POINTS_TOLERANCE && Math.abs(expected) > POINTS_TOLERANCE) {
    report.fail(`${field} = ${given.toFixed(2)} has the wrong sign: ${signHint}`);
  } else {
    report.fail(`${field} = ${given.toFixed(2)} does not match the run (off by more than ${POINTS_TOLERANCE} points): ${how}`);
  }
}
