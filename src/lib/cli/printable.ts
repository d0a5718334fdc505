// Text for people's terminals.
import type { DeadLetterCounts } from '../ports.js';
import type { DeadLetter } from '../records.js';

// C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder what is shown.
const UNPRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from files, backends or users, safe to show on a terminal: a control character becomes a visible
 * escape (ESC -> \x1b), so a crafted line can neither clear the screen, retitle the window nor hide itself.
 * Notes, warnings and errors pass through it whole; a report's human lines apply it to each value they show.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** Where a rejected line is and why, as the commands that read files show it. */
export const rejectNote = (letter: DeadLetter): string => `${letter.source}${letter.line === null ? '' : `:${letter.line}`}: ${letter.reason}`;

/** "seed 12, replay 3, stream 0": the dead letters by the stage that rejected them. */
export const stageBreakdown = (counts: DeadLetterCounts): string =>
  Object.entries(counts.byStage).map(([stage, n]) => `${stage} ${n}`).join(', ');
