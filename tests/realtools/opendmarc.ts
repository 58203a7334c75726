/**
 * What OpenDMARC makes of a DMARC record: opendmarc_policy.c built once against Debian's
 * libopendmarc (libopendmarc-dev), then run once per record (its fake-DNS hook keeps the
 * first record it is given, so each record gets a process of its own).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from './process.js';

export interface OpenDmarcReading {
  /** The library's status: 0 is DMARC_PARSE_OKAY (a record found and read). */
  status: number;
  /** The policies as OpenDMARC's letters: "n", "q", "r", or "-" for none given. */
  p: string;
  sp: string;
  pct: number;
}

const POLICY = { n: 'none', q: 'quarantine', r: 'reject' } as const;

let built: Promise<string> | undefined;

/**
 * Built into node_modules/.cache (ignored, like every build cache there), named by the source's
 * hash: a run reuses the judge a run before built and leaves nothing in /tmp.
 */
function build(): Promise<string> {
  built ??= (async () => {
    const source = fileURLToPath(new URL('./opendmarc_policy.c', import.meta.url));
    const hash = createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 16);
    const dir = fileURLToPath(new URL('../../node_modules/.cache/maillab-opendmarc/', import.meta.url));
    const binary = join(dir, `opendmarc_policy-${hash}`);
    if (existsSync(binary)) return binary;
    await mkdir(dir, { recursive: true });
    // Built under a name of its own and renamed: a run beside this one never starts a half-written file.
    const building = `${binary}.${process.pid}`;
    const r = await runTool('cc', ['-o', building, source, '-lopendmarc']);
    if (r.code !== 0) throw new Error(`building the OpenDMARC judge failed (are libopendmarc-dev and libc6-dev installed?): ${r.stderr}`);
    await rename(building, binary);
    return binary;
  })();
  return built;
}

/** OpenDMARC's reading of `record` published at _dmarc.example.com. */
export async function openDmarcReads(record: string): Promise<OpenDmarcReading> {
  const r = await runTool(await build(), [record]);
  const m = /^status=(\d+) p=(\S) sp=(\S) pct=(-?\d+)$/m.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`OpenDMARC judge: ${r.stdout}${r.stderr}`);
  return { status: Number(m[1]), p: m[2]!, sp: m[3]!, pct: Number(m[4]) };
}

/** The policy word for OpenDMARC's letter ("r" -> "reject"), undefined for "-". */
export function policyWord(letter: string): string | undefined {
  return POLICY[letter as keyof typeof POLICY];
}
