/**
 * A thread's TypeScript entry made into one plain JavaScript script with esbuild, once per
 * process, so a thread can run the lab's own TypeScript code without the TypeScript loader: a
 * thread loading its modules through tsx takes ~400 ms to start, a bundled one a few tens. The
 * entry and what it imports stay the one source of truth; nothing generated is kept on disk.
 */
import { fileURLToPath } from 'node:url';

const bundles = new Map<string, Promise<string | undefined>>();

/**
 * The entry's bundle (CommonJS, for a Worker with `eval: true`), started now if not yet:
 * undefined when it cannot be made (esbuild missing or failing), and the caller does without.
 */
export function bundleThread(entry: URL): Promise<string | undefined> {
  let bundle = bundles.get(entry.href);
  if (!bundle) {
    bundle = build(fileURLToPath(entry));
    bundles.set(entry.href, bundle);
  }
  return bundle;
}

async function build(path: string): Promise<string | undefined> {
  try {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({ entryPoints: [path], bundle: true, format: 'cjs', platform: 'node', target: 'node20', write: false, logLevel: 'silent' });
    // esbuild's service process is not needed any more: it would stay for the life of the lab.
    await esbuild.stop();
    return out.outputFiles[0]!.text;
  } catch {
    return undefined;
  }
}
