// One worker thread of the pool (see pool.ts): loads job modules through tsx, runs one job at
// a time, and forwards the calls a job makes back to the main thread (a DNS lookup, say).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// Background work gives way: on Linux a thread has its own nice value, so when the CPUs are
// short the event loop thread, which answers every learner, runs first.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // Another system: the same priority as the rest of the lab.
}
register();
const modules = new Map();
/** Calls this thread is waiting on the main thread for, by id. */
const waiting = new Map();
let nextCall = 0;

function loadModule(href) {
  let loaded = modules.get(href);
  if (!loaded) {
    loaded = import(href);
    modules.set(href, loaded);
  }
  return loaded;
}

/** Functions a job can call that run on the main thread. */
function callsFor(job) {
  return Object.fromEntries(
    job.calls.map((name) => [
      name,
      (...args) =>
        new Promise((resolve, reject) => {
          const id = nextCall++;
          waiting.set(id, { resolve, reject });
          parentPort.postMessage({ type: 'call', job: job.id, call: id, name, args });
        }),
    ]),
  );
}

/**
 * Memory blocks of the byte arrays in a result that own their whole block: moved to the main
 * thread rather than copied (a parsed message's octets are megabytes).
 */
function transferables(value, depth = 0, found = []) {
  if (value instanceof Uint8Array || value instanceof Int32Array) {
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !found.includes(value.buffer)) found.push(value.buffer);
  } else if (value && typeof value === 'object' && depth < 3) {
    for (const v of Object.values(value)) transferables(v, depth + 1, found);
  }
  return found;
}

parentPort.on('message', async (msg) => {
  if (msg.type === 'answer') {
    const pending = waiting.get(msg.call);
    waiting.delete(msg.call);
    if (msg.error) pending?.reject(Object.assign(new Error(msg.error.message), msg.error));
    else pending?.resolve(msg.value);
    return;
  }
  try {
    const mod = await loadModule(msg.module);
    const fn = mod[msg.fn];
    if (typeof fn !== 'function') throw new Error(`${msg.module} has no job ${msg.fn}`);
    // The job's time starts now: loading this thread and the module is not the job's doing.
    parentPort.postMessage({ type: 'started', job: msg.id });
    const value = await fn(...msg.args, callsFor(msg));
    parentPort.postMessage({ type: 'done', job: msg.id, value }, transferables(value));
  } catch (err) {
    parentPort.postMessage({ type: 'done', job: msg.id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err), code: err?.code } });
  }
});
