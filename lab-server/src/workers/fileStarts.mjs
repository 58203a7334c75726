// The thread behind fileStarts.ts: reads the start of many files (open, one read, close each),
// so the event loop thread spends none of its time in those system calls. Plain JavaScript on
// purpose: without the TypeScript loader it starts in a few tens of milliseconds.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * Where to cut what was read: just past the first blank line (a header's end, LF or CRLF
 * lines), or all of it. Only what the reader needs crosses back to the main thread.
 */
function cutAt(bytes) {
  const lf = bytes.indexOf('\n\n');
  // A CRLF blank line counts only before the first LF one.
  const crlf = (lf === -1 ? bytes : bytes.subarray(0, lf + 3)).indexOf('\n\r\n');
  if (lf === -1 && crlf === -1) return bytes.length;
  if (crlf === -1 || (lf !== -1 && lf < crlf)) return lf + 2;
  return crlf + 3;
}

/** A file whose start is longer than this (a header past 8 KB) is left to the main thread: -1. */
const LONGEST = 8 * 1024;
/** What one request may send back in all; the main thread reads the rest itself. */
const REQUEST_BUDGET = 4 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/** The starts of a chunk's files, one after the other, and per file its length (-1: left out) and whether the read reached its end. */
function readChunk(paths, max) {
  if (scratch.length < max) scratch = Buffer.allocUnsafe(max);
  const sizes = new Int32Array(paths.length * 2);
  let data = new Uint8Array(16 * 1024);
  let total = 0;
  paths.forEach((path, i) => {
    sizes[2 * i] = -1;
    let fd;
    try {
      // Never a blocking open: a FIFO put where a message was would hold this thread for good.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const read = readSync(fd, scratch, 0, max, 0);
      const kept = cutAt(scratch.subarray(0, read));
      if (kept > LONGEST) return;
      if (total + kept > data.length) {
        const bigger = new Uint8Array(Math.max(2 * data.length, total + kept));
        bigger.set(data.subarray(0, total));
        data = bigger;
      }
      data.set(scratch.subarray(0, kept), total);
      sizes[2 * i] = kept;
      sizes[2 * i + 1] = read < max ? 1 : 0;
      total += kept;
    } catch {
      // Gone or renamed meanwhile, or unreadable: the main thread looks again.
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  });
  return { data, sizes, total };
}

// Chunks in order, each answered as soon as it is read, skipping those the main thread has
// reached (shared[0]: it reads those itself), until the end or the budget; shared[1] says
// which chunk is being read, shared[2] the last one answered.
parentPort.on('message', ({ id, chunks, max, shared }) => {
  let sent = 0;
  for (let chunk = Atomics.load(shared, 0) + 1; chunk < chunks.length && sent < REQUEST_BUDGET; chunk = Math.max(chunk + 1, Atomics.load(shared, 0) + 1)) {
    Atomics.store(shared, 1, chunk);
    const { data, sizes, total } = readChunk(chunks[chunk], max);
    sent += total;
    parentPort.postMessage({ id, chunk, data, sizes }, [data.buffer, sizes.buffer]);
    Atomics.store(shared, 2, chunk);
  }
  Atomics.store(shared, 1, -1);
  parentPort.postMessage({ id, done: true });
});
