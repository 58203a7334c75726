/** Jobs for the worker pool's own tests (tests/unit/worker-pool.test.ts). */

/** Returns its input doubled, as bytes of its own. */
export function double(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  out.set(bytes);
  out.set(bytes, bytes.length);
  return out;
}

/** Keeps the CPU busy for `ms`, then says which lane asked. */
export function spin(ms: number, label: string): string {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy, as a long parse would be
  }
  return label;
}

export function fail(message: string): never {
  throw new RangeError(message);
}

/** Asks the main thread twice, as DKIM verification asks for keys. */
export async function ask(name: string, calls: { lookup: (n: string) => Promise<string> }): Promise<string[]> {
  return [await calls.lookup(name), await calls.lookup(`${name}!`)];
}
