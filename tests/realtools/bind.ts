/**
 * BIND's own opinion of a zone: named-compilezone loads it with the checks a careful primary
 * server runs (MX and SRV targets that are CNAMEs or addresses, in-zone targets without
 * addresses, names that are not host names) and dumps the records it would serve, fully
 * qualified, one per line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './process.js';

export interface BindRecord {
  name: string;
  type: string;
  /** The record data as BIND prints it (names absolute, TXT quoted). */
  data: string;
  /** The whole canonical line, for the Python judge. */
  line: string;
}

export interface BindZone {
  origin: string;
  loaded: boolean;
  /** Why BIND refused the zone, or what it warned about. */
  messages: string[];
  records: BindRecord[];
}

const CHECKS = ['-i', 'full', '-k', 'fail', '-n', 'fail', '-M', 'fail', '-m', 'fail', '-S', 'fail', '-r', 'ignore', '-T', 'warn', '-W', 'warn'];

export async function loadWithBind(origin: string, zoneText: string): Promise<BindZone> {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-bind-'));
  try {
    const file = join(dir, 'zone');
    await writeFile(file, zoneText.endsWith('\n') ? zoneText : `${zoneText}\n`);
    const out = await runTool('named-compilezone', [...CHECKS, '-s', 'full', '-o', '-', origin, file]);
    const messages = out.stderr.split('\n').filter(Boolean).concat(out.stdout.split('\n').filter((l) => /^(zone |dns_|.*: (error|warning|ignoring))/.test(l)));
    const loaded = out.code === 0;
    const records: BindRecord[] = [];
    if (loaded) {
      for (const line of out.stdout.split('\n')) {
        const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line);
        if (m) records.push({ name: m[1]!.toLowerCase(), type: m[3]!, data: m[4]!.trim(), line: `${m[1]} ${m[2]} IN ${m[3]} ${m[4]!.trim()}` });
      }
    }
    return { origin, loaded, messages, records };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A minimal SOA and NS for zones the exercise gives only a part of. */
export function zoneApex(origin: string): string {
  return [`$TTL 3600`, `$ORIGIN ${origin}`, `@ IN SOA ns1.${origin} hostmaster.${origin} 1 3600 600 604800 300`, `@ IN NS ns1.${origin}`, `ns1.${origin} IN A 192.0.2.53`].join('\n');
}

/** The answer brings its own SOA (a whole zone pasted into a one-record exercise). */
export function hasSoa(zoneText: string): boolean {
  return /\sSOA\s/i.test(zoneText.replace(/;.*$/gm, ''));
}

export function recordsAt(records: BindRecord[], name: string, type: string): BindRecord[] {
  const wanted = name.toLowerCase().endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
  return records.filter((r) => r.name === wanted && r.type === type);
}

/** Addresses of a host, following one CNAME as a resolver would. */
export function addressesOf(records: BindRecord[], host: string): string[] {
  const cname = recordsAt(records, host, 'CNAME')[0];
  const target = cname ? cname.data : host;
  return [...recordsAt(records, target, 'A'), ...recordsAt(records, target, 'AAAA')].map((r) => r.data);
}
