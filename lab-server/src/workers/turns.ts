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
