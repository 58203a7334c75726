/**
 * Appends on a disk that fills up part-way through a write: write(2) then stores what fits and
 * the next write fails. The appenders run in a child process in a mount namespace of its own
 * (unshare; no root needed where user namespaces are allowed) on a 64 KB tmpfs that a filler
 * file has filled to the last page. Each must fail whole and leave no line cut short, so the
 * line appended once there is room again stands on its own.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const SOURCE = resolve('lab-server/src');

const CHILD = `
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { AppendLog } from '${SOURCE}/files/appendLog.ts';
import { appendUids, readUidList, writeUidList } from '${SOURCE}/maildir/uidlist.ts';
const dir = process.argv[1];
const report = {};
/** Fills the disk but for what is left in the pages files already have. */
function fill() {
  const fd = openSync(dir + '/filler', 'w');
  try { for (;;) writeSync(fd, Buffer.alloc(4096)); } catch {} finally { closeSync(fd); }
}
const log = new AppendLog(dir + '/mail.log', 1e9);
await log.append('first line');
await writeUidList(dir, { uidValidity: 7, nextUid: 2, uids: new Map([['one', 1]]) });
fill();
// Longer than what is left of each file's page: part of it fits, then the disk is full.
report.log = await log.append('x'.repeat(6000)).then(() => 'written', (e) => e.code);
report.uids = await appendUids(dir, Array.from({ length: 200 }, (_, i) => ['base' + i + 'y'.repeat(30), i + 2])).then(() => 'written', (e) => e.code);
unlinkSync(dir + '/filler');
await log.append('after');
await appendUids(dir, [['after', 202]]);
report.logLines = readFileSync(dir + '/mail.log', 'utf8').split('\\n');
report.uidList = [...(await readUidList(dir)).uids];
console.log(JSON.stringify(report));
`;

let mountDir: string;
beforeAll(async () => {
  mountDir = await mkdtemp(join(tmpdir(), 'maillab-appends-'));
});
afterAll(async () => {
  await rm(mountDir, { recursive: true, force: true });
});

it('an append that meets a full disk fails whole: no line cut short is left for the next one (mail log, uid list)', async () => {
  const argv = ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0" && exec "$@"', mountDir, process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD, mountDir];
  const stdout = await new Promise<string>((done, fail) => execFile('unshare', argv, { timeout: 30_000 }, (err, out, errOut) => (err ? fail(new Error(`${err.message}\n${errOut}`)) : done(out))));
  const report = JSON.parse(stdout) as { log: string; uids: string; logLines: string[]; uidList: Array<[string, number]> };
  expect(report.log).toBe('ENOSPC');
  // A short write is not success: the UIDs are not on disk.
  expect(report.uids).toBe('ENOSPC');
  expect(report.logLines).toEqual(['first line', 'after', '']);
  expect(report.uidList).toEqual([
    ['one', 1],
    ['after', 202],
  ]);
});
