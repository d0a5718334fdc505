// Cutting a list into bounded pieces: commands, scripts and produce requests take bounded argument lists.

/** Cuts `items` into pieces of at most `size` (at least 1), in order. */
export function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  const step = Math.max(1, size);
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
