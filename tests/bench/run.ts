/**
 * `npm run bench`: measures the lab and prints the figures as JSON. A benchmark, not a test:
 * it asserts nothing, and its numbers go into the closing notes of issues. Name sections
 * (`npm run bench -- operations world`) to measure only those.
 */
import { existsSync } from 'node:fs';
import { benchBridge } from './bridge.js';
import { benchClassroom } from './classroom.js';
import { benchCluster } from './cluster.js';
import { benchMail } from './mail.js';
import { benchMaildirPoll } from './maildirPoll.js';
import { benchHostileNeighbour } from './neighbour.js';
import { benchOperations } from './operations.js';
import { benchSandboxMemory } from './sandboxMemory.js';
import { benchWorld } from './world.js';

const only = process.argv.slice(2);
const wanted = (section: string): boolean => only.length === 0 || only.includes(section);

const results: Record<string, unknown> = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
};
if (wanted('mail')) results.mail = await benchMail();
// The IMAP figures join when the IMAP server and its benchmark are present.
const imapBench = new URL('./imap.ts', import.meta.url);
if (wanted('imap') && existsSync(imapBench)) {
  const { benchImap } = (await import(imapBench.href)) as { benchImap: () => Promise<Record<string, unknown>> };
  results.imap = await benchImap();
}
if (wanted('bridge')) results.bridge = await benchBridge();
if (wanted('classroom')) results.classroom = await benchClassroom();
if (wanted('world')) results.world = await benchWorld();
// The inspector, /metrics, /readyz and armed faults (issue 16).
if (wanted('operations')) results.operations = await benchOperations();
// What sandboxes whose big INBOX was opened once keep in memory, before and after it is let go.
// The live Maildir view's poll, unchanged (304) and after a delivery.
if (wanted('maildir')) results.maildir = await benchMaildirPoll();
if (wanted('sandboxes')) results.sandboxes = await benchSandboxMemory();
// Two nodes sharing PostgreSQL behind Caddy (needs Debian's postgresql and caddy, as .ci/run installs).
if (wanted('cluster')) results.cluster = await benchCluster();
// 50 learners typing through the bridge while one more runs each attack of issue 12.
if (wanted('neighbour')) results.neighbour = await benchHostileNeighbour();
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
