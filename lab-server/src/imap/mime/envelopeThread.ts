/**
 * The thread behind the envelope reader (envelopeReader.ts): reads the header of many message
 * files (open, one read, close each) and works out each ENVELOPE, so the event loop only keeps
 * and sends them. Run bundled into plain JavaScript (workers/bundledThread.ts), not through the
 * TypeScript loader, which would take it hundreds of milliseconds to start.
 */
import { parentPort } from 'node:worker_threads';
import { envelopesOfFiles } from './envelopeFiles.js';
import { INLINE_LIMITS } from './limits.js';
import { warmUpEnvelopes } from './envelopeWarmUp.js';

/** What one request may send back in all; the main thread reads the rest itself. */
const REQUEST_BUDGET = 4 * 1024 * 1024;
/**
 * Parses at start: enough for V8 to optimise the parser's functions (--trace-opt: 1,000 left as
 * little to compile in the first FETCH as 3,000, and 3,000 compiled more). Costs once per thread
 * ~75 ms of its CPU and ~150-200 ms of TurboFan's on V8's own threads, which the first big FETCH
 * no longer pays; a lab that never gets one pays it for nothing, once.
 */
const WARM_ROUNDS = 1000;

/** Per file, its ENVELOPE, or null when the quick way cannot tell (the careful way decides), as the event loop reads them. */
function readChunk(paths: readonly string[]): { envelopes: Array<string | null>; bytes: number } {
  const envelopes = envelopesOfFiles(paths, INLINE_LIMITS);
  let bytes = 0;
  for (const envelope of envelopes) bytes += envelope?.length ?? 0;
  return { envelopes, bytes };
}

// Chunks in order, each answered as soon as it is done, but for those the main thread or the
// other thread has claimed, until the end or the budget. A chunk is claimed in the shared slots
// before it is started (with this thread's mark), so each is done once. After the chunks' slots: one set
// when a thread begins, and the bytes the threads have sent back, counted together (each one
// counting its own let two threads hold twice the budget: 8 MB measured).
parentPort!.on('message', ({ id, chunks, claims, mark, warm }: { id: number; chunks: string[][]; claims: Int32Array; mark: number; warm?: true }) => {
  // First, once: the parser compiled now, before the work that needs it (envelopeWarmUp.ts).
  if (warm) return void warmUpEnvelopes(WARM_ROUNDS);
  const sent = chunks.length + 1;
  Atomics.store(claims, chunks.length, 1);
  for (let chunk = 0; chunk < chunks.length && Atomics.load(claims, sent) < REQUEST_BUDGET; chunk++) {
    if (Atomics.compareExchange(claims, chunk, 0, mark) !== 0) continue;
    const { envelopes, bytes } = readChunk(chunks[chunk]!);
    Atomics.add(claims, sent, bytes);
    parentPort!.postMessage({ id, chunk, answer: envelopes });
  }
  parentPort!.postMessage({ id, done: true });
});
