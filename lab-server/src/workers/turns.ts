/**
 * For loops over many items on the main thread (FETCH or SEARCH over thousands of messages):
 * after every slice of work the loop lets the event loop serve everyone else before going on.
 */

/** Returns a function to await between items: it yields once `sliceMs` of work has passed. */
export function takeTurns(sliceMs = 10): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

/** How many items Array.prototype.sort orders in one go; longer arrays are merged in slices. */
const RUN = 1024;

/**
 * Sorts `items` in place as Array.prototype.sort does (stably), taking turns: runs of RUN items
 * are sorted, then merged pairwise, awaiting `turn` every RUN items. One Array.sort of 100,000
 * subjects held the event loop, and every session of the lab, for a third of a second.
 */
export async function sortInTurns<T>(items: T[], compare: (a: T, b: T) => number, turn: () => Promise<void> = takeTurns()): Promise<T[]> {
  const n = items.length;
  if (n <= RUN) return items.sort(compare);
  for (let lo = 0; lo < n; lo += RUN) {
    const run = items.slice(lo, lo + RUN).sort(compare);
    for (let i = 0; i < run.length; i++) items[lo + i] = run[i]!;
    await turn();
  }
  let from = items;
  let to: T[] = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let [i, j] = [lo, mid];
      for (let k = lo; k < hi; k++) {
        // The left run wins ties: the merge stays stable.
        to[k] = j >= hi || (i < mid && compare(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        if ((k & (RUN - 1)) === 0) await turn();
      }
    }
    [from, to] = [to, from];
  }
  if (from !== items) for (let k = 0; k < n; k++) items[k] = from[k]!;
  return items;
}
