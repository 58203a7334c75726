/**
 * Runs a test's independent visits a few at a time instead of one after another. A browser
 * visit mostly waits (for the page's requests, for a quiet network, for the next frame), and
 * each page renders in its own Chromium process: a few lanes use both cores and overlap the
 * waits, as a reader with several tabs open does.
 */

/**
 * Calls `visit` on every item, at most `lanes` at a time, and returns the results in the
 * items' order (`lane`, 0 to lanes - 1, says which lane runs it: e.g. each lane keeps its own
 * page). The first failure is thrown once the visits already started have ended (a
 * lane left running would outlive the test and its browser).
 */
export async function inLanes<T, R>(items: readonly T[], lanes: number, visit: (item: T, index: number, lane: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const run = async (lane: number): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await visit(items[index]!, index, lane);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, (_, lane) => run(lane)));
  if (failed) throw failed.error;
  return results;
}
