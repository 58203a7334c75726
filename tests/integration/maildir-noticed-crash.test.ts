/**
 * kill -9 between a first SELECT's reply and the renames from new/ to cur/ that follow it
 * (noticedMoves.ts). A real lab in its own process; Python's imaplib selects 2,000 messages
 * just dropped into new/, and the lab is killed the instant the reply arrives. Nothing may be
 * lost: after the restart every message keeps the UID the uid list gave it before the crash,
 * the \Recent claim holds (no second client sees them as \Recent), and the files still in new/
 * reach cur/ once a client opens the folder again.
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { maildirPath } from '../helpers/maildir.js';

const COUNT = 2000;
let lab: LabProcess | undefined;

afterAll(async () => {
  await lab?.stop();
});

/** imaplib logged in as alice; `port` is a Python expression. */
const login = (port: string): string => `import imaplib, sys\nM = imaplib.IMAP4('127.0.0.1', ${port})\nM.login('alice@example.com', 'secret')\n`;

/** SELECTs INBOX with imaplib and kills the lab the moment the reply is in. */
async function selectThenKill(running: LabProcess): Promise<string> {
  const script = `${login('int(sys.argv[1])')}typ, data = M.select('INBOX')\nprint(typ, data[0].decode(), M.untagged_responses.get('RECENT'), flush=True)\nsys.stdin.read()\n`;
  const child = spawn('python3', ['-c', script, String(running.ports.imap)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`imaplib exited with ${code}: ${out}`)));
  });
  await running.kill('SIGKILL');
  child.kill();
  return line;
}

describe('a crash between the SELECT reply and the moves to cur/', () => {
  it('loses no message, no UID and no \\Recent claim, and the files still reach cur/', async () => {
    lab = await startLabProcess();
    const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    const seeded = (await readdir(join(inbox, 'new'))).length + (await readdir(join(inbox, 'cur'))).length;
    for (let n = 0; n < COUNT; n++) {
      const body = `Message-ID: <noticed.${n}@example.com>\nSubject: noticed ${n}\n\nbody ${n}\n`;
      await writeFile(join(inbox, 'new', `1790000000.M${n}P1Q${n}.crash,S=${body.length},W=${body.length + 4}`), body);
    }
    const total = seeded + COUNT;

    expect(await selectThenKill(lab)).toBe(`OK ${total} [b'${total}']`);
    // Killed right after the reply: the UIDs are on disk, the renames had not happened yet.
    expect((await readdir(join(inbox, 'new'))).length).toBeGreaterThan(0);
    const given = new Map<number, number>();
    for (const line of (await readFile(join(inbox, 'maillab-uidlist'), 'utf8')).split('\n')) {
      const m = /^(\d+) 1790000000\.M(\d+)P1Q/.exec(line);
      if (m) given.set(Number(m[2]), Number(m[1]));
    }
    expect(given.size).toBe(COUNT);

    lab = await startLabProcess([], lab.dataDir);
    const after = await python(
      `${login("P['port']")}typ, data = M.select('INBOX')\nprint(data[0].decode(), M.untagged_responses.get('RECENT')[0].decode())\n` +
        "typ, data = M.fetch('1:*', '(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])')\n" +
        'import re\nfor part in data:\n    if isinstance(part, tuple):\n' +
        "        mid = re.search(rb'noticed\\.(\\d+)@', part[1])\n" +
        "        if mid: print(mid.group(1).decode(), re.search(rb'UID (\\d+)', part[0]).group(1).decode())\n",
      { port: lab.ports.imap },
    );
    expect(after.code, after.stderr).toBe(0);
    const [counts, ...pairs] = after.stdout.trim().split('\n');
    // Every message is there; the claim made before the crash holds: none is \Recent again.
    expect(counts).toBe(`${total} 0`);
    expect(new Map(pairs.map((p) => p.split(' ').map(Number) as [number, number]))).toEqual(given);
    // The files the crash left in new/ move once a client has opened the folder again.
    await expect.poll(async () => (await readdir(join(inbox, 'new'))).length, { timeout: 10_000 }).toBe(0);
    expect((await readdir(join(inbox, 'cur'))).length).toBe(total);
  }, 120_000);
});
