// What makes two dead letters the same one, and how they are counted: seeding or replaying a file again, or a
// stream step a crash repeats, appends the same letter again; every log keeps or counts it once.
import type { DeadLetterCounts } from './ports.js';
import type { DeadLetter } from './records.js';

export const DEAD_LETTER_STAGES: ReadonlyArray<DeadLetter['stage']> = ['seed', 'replay', 'stream'];

/**
 * A letter's identity: the file (or log position) and line it came from, the stage, and the line itself (a file
 * edited since holds other text at that line: a new letter). The embedded log applies the same rule in SQL.
 */
export const deadLetterKey = (l: DeadLetter): string => JSON.stringify([l.source, l.line, l.stage, l.raw]);

/** The first of each letter, in the order given. */
export function distinctDeadLetters(letters: DeadLetter[]): DeadLetter[] {
  const seen = new Set<string>();
  return letters.filter((l) => {
    const key = deadLetterKey(l);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function deadLetterCounts(perStage: Array<{ stage: DeadLetter['stage']; count: number }>): DeadLetterCounts {
  const byStage = Object.fromEntries(DEAD_LETTER_STAGES.map((s) => [s, 0])) as Record<DeadLetter['stage'], number>;
  for (const { stage, count } of perStage) byStage[stage] += count;
  return { total: perStage.reduce((sum, s) => sum + s.count, 0), byStage };
}

/** Counts of distinct letters, for logs that can only read them all (Kafka). */
export function countDistinct(letters: DeadLetter[]): DeadLetterCounts {
  return deadLetterCounts(distinctDeadLetters(letters).map((l) => ({ stage: l.stage, count: 1 })));
}
