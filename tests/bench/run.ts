/**
 * `npm run bench`: measures the lab and prints the figures as JSON. A benchmark, not a test:
 * it asserts nothing, and its numbers go into the closing notes of issues.
 */
import { existsSync } from 'node:fs';
import { benchBridge } from './bridge.js';
import { benchClassroom } from './classroom.js';
import { benchCluster } from './cluster.js';
import { benchMail } from './mail.js';
import { benchWorld } from './world.js';

const results: Record<string, unknown> = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  mail: await benchMail(),
};
// The IMAP figures join when the IMAP server and its benchmark are present.
const imapBench = new URL('./imap.ts', import.meta.url);
if (existsSync(imapBench)) {
  const { benchImap } = (await import(imapBench.href)) as { benchImap: () => Promise<Record<string, unknown>> };
  results.imap = await benchImap();
}
results.bridge = await benchBridge();
results.classroom = await benchClassroom();
results.world = await benchWorld();
// Two nodes sharing PostgreSQL behind Caddy (needs Debian's postgresql and caddy, as .ci/run installs).
results.cluster = await benchCluster();
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
