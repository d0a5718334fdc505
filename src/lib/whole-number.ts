// What counts as a whole number wherever one is typed (flags, env, the config file, query strings): plain digits
// or an integer already, never a sign, fraction, exponent or hex ("2.5", "1e3", "0x30").

/** The whole number `value` spells, or null. */
export function wholeNumberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
