/**
 * A first FETCH ENVELOPE reads the start of every new message: with the usual relatime mount,
 * each first read of a just-delivered file also wrote its inode (atime), 5,000 inode writes for
 * a 5,000-message sync. The reads leave the access time alone (O_NOATIME), on the reader
 * threads and on the event loop; on a file the lab does not own (EPERM for O_NOATIME) the read
 * is made the usual way, not refused.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeBatch, prepareEnvelopeReader } from '../../lab-server/src/imap/mime/envelopeBatch.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import type { MessageInfo } from '../../lab-server/src/maildir/folder.js';

/** Read before, written after: a read on a relatime mount moves such a file's atime. */
const ATIME = new Date('2020-01-01T00:00:00Z');
const MTIME = new Date('2021-01-01T00:00:00Z');
const NOBODY = 65534;

describe('reading ENVELOPEs leaves the message files\' access times alone', () => {
  let dir: string;
  let box: Mailbox;
  beforeAll(async () => {
    expect(await prepareEnvelopeReader()).toBe(true);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maillab-atime-'));
    box = new Mailbox('alice@example.com', join(dir, 'alice'));
    await box.create();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  async function deliverAged(count: number): Promise<{ infos: readonly MessageInfo[]; paths: string[] }> {
    for (let i = 0; i < count; i++) {
      await box.inbox.deliver(Buffer.from(`Message-ID: <m${i}@example.com>\nFrom: "Sender ${i}" <s${i}@example.com>\nSubject: ${i}\n\nbody\n`));
    }
    const infos = await box.inbox.sync();
    const paths = infos.map((info) => box.inbox.stored(info.uid)!.path);
    for (const path of paths) utimesSync(path, ATIME, MTIME);
    return { infos, paths };
  }

  for (const count of [600, 100]) {
    it(`${count} messages (${count > 256 ? 'on the reader threads' : 'on the event loop'}): every atime as it was`, async () => {
      const { infos, paths } = await deliverAged(count + 1);
      // The control: this filesystem does move the atime on a plain read (else the test proves nothing).
      readFileSync(paths[count]!);
      expect(statSync(paths[count]!).atime.getTime()).toBeGreaterThan(MTIME.getTime());
      const batch = new EnvelopeBatch(box.inbox, infos.slice(0, count));
      for (const info of infos.slice(0, count)) expect(await batch.envelope(info)).toBeTruthy();
      const moved = paths.slice(0, count).filter((path) => statSync(path).atime.getTime() !== ATIME.getTime());
      expect(moved).toEqual([]);
    }, 120_000);
  }

  it('a file the lab does not own (O_NOATIME refused, EPERM) is read the usual way, and so are the next', async () => {
    const theirs = join(dir, 'theirs');
    const ours = join(dir, 'ours');
    await writeFile(theirs, 'From: a@example.com\n\nx\n');
    await writeFile(ours, 'From: b@example.com\n\ny\n');
    await chown(theirs, NOBODY, NOBODY);
    // Root without CAP_FOWNER: O_NOATIME on another user's file is EPERM, as for any user.
    const script = `
      import { readSync, closeSync } from 'node:fs';
      import { openToRead } from ${JSON.stringify(new URL('../../lab-server/src/files/noAtimeOpen.ts', import.meta.url).pathname)};
      const read = (path) => { const fd = openToRead(path); const b = Buffer.alloc(64); const n = readSync(fd, b, 0, 64, 0); closeSync(fd); return b.toString('latin1', 0, n); };
      process.stdout.write(JSON.stringify([read(${JSON.stringify(theirs)}), read(${JSON.stringify(ours)})]));`;
    const child = spawn('setpriv', ['--bounding-set=-fowner', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(['From: a@example.com\n\nx\n', 'From: b@example.com\n\ny\n']);
  }, 60_000);
});
