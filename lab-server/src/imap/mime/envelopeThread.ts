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
 * Sample files read and parsed at start (envelopeWarmUp.ts): enough for V8 to optimise the
 * reading and the parser. With 1,000, readSync, headerText and the chunk loop were still below
 * V8's threshold and were compiled during the first FETCH (--trace-opt). Costs once, at the
 * lab's first quiet moment: from the lab's start to its first SELECT at load 34-41, the two
 * threads used 357-378 ms of CPU and V8's compile threads 315-409 ms (1,000 headers parsed from
 * memory: 196-262 and 261-310), which the first big FETCH no longer pays; a lab that never gets
 * one pays it for nothing, once.
 */
const WARM_ROUNDS = 2000;

/** Per file, its ENVELOPE, or null when the quick way cannot tell (the careful way decides), as the event loop reads them. */
function readChunk(paths: readonly string[]): { envelopes: Array<string | null>; bytes: number } {
  const envelopes = envelopesOfFiles(paths, INLINE_LIMITS);
  let bytes = 0;
  for (const envelope of envelopes) bytes += envelope?.length ?? 0;
  return { envelopes, bytes };
}

interface Request {
  id: number;
  chunks: readonly (readonly string[])[];
  claims: Int32Array;
  mark: number;
}

/**
 * Chunks in order, each answered (`send`) as soon as it is done, but for those the main thread
 * or the other thread has claimed, until the end or the budget. A chunk is claimed in the shared
 * slots before it is started (with this thread's mark), so each is done once. After the chunks'
 * slots: one set when a thread begins, and the bytes the threads have sent back, counted
 * together (each one counting its own let two threads hold twice the budget: 8 MB measured).
 */
function answerRequest({ id, chunks, claims, mark }: Request, send: (answer: { id: number; chunk: number; answer: Array<string | null> }) => void): void {
  const sent = chunks.length + 1;
  Atomics.store(claims, chunks.length, 1);
  for (let chunk = 0; chunk < chunks.length && Atomics.load(claims, sent) < REQUEST_BUDGET; chunk++) {
    if (Atomics.compareExchange(claims, chunk, 0, mark) !== 0) continue;
    const { envelopes, bytes } = readChunk(chunks[chunk]!);
    Atomics.add(claims, sent, bytes);
    send({ id, chunk, answer: envelopes });
  }
}

/**
 * The warm-up goes through answerRequest() itself, on sample files (envelopeWarmUp.ts), its
 * answers dropped: the code compiled is the code a request runs, down to the claims. Its chunks
 * are copied the way postMessage() delivers a request's (structuredClone: arrays with holey
 * elements, another hidden class than the packed ones built here): warmed on packed arrays,
 * envelopesOfFiles() was optimised for them, thrown away at the first real chunk (--trace-deopt:
 * "wrong map", in each thread) and compiled again during the first FETCH.
 */
function warmUp(): void {
  warmUpEnvelopes(WARM_ROUNDS, (built) => {
    const chunks = structuredClone(built);
    const answers: Array<Array<string | null>> = [];
    const claims = new Int32Array(new SharedArrayBuffer(4 * (chunks.length + 2)));
    answerRequest({ id: -1, chunks, claims, mark: 1 }, ({ answer }) => answers.push(answer));
    return answers;
  });
}

const post = (message: unknown): void => parentPort!.postMessage(message);

parentPort!.on('message', (msg: Request & { warm?: true }) => {
  // First, once: the reading and the parser compiled now, before the work that needs them.
  if (msg.warm) return warmUp();
  answerRequest(msg, post);
  post({ id: msg.id, done: true });
});
