/**
 * The renames from new/ to cur/ that follow a first SELECT's reply (noticedMoves.ts), judged by
 * real clients. kill -9 between the reply and the renames: a real lab in its own process;
 * Python's imaplib selects 2,000 messages just dropped into new/, and the lab is killed the
 * instant the reply arrives. Nothing may be lost: after the restart every message keeps the UID
 * the uid list gave it before the crash, the \Recent claim holds (no second client sees them as
 * \Recent), and the files still in new/ reach cur/ once a client opens the folder again. And
 * poplib downloading and deleting messages whose files have not moved yet.
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab } from '../helpers/lab.js';
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

describe('POP3 on messages a SELECT noticed whose files are still in new/', () => {
  it('lists, reads, deletes and marks them read, and the rest still reach cur/', async () => {
    for (let attempt = 1; ; attempt++) {
      const test = await startTestLab();
      try {
        const inbox = maildirPath(test.dataDir, 'default', 'alice@example.com');
        for (let n = 0; n < 40; n++) {
          const body = `Message-ID: <pop.${n}@example.com>\nSubject: pop ${n}\n\nbody ${n}\n`;
          await writeFile(join(inbox, 'new', `1790000000.M${n}P2Q${n}.pop,S=${body.length},W=${body.length + 4}`), body);
        }
        const total = (await readdir(join(inbox, 'new'))).length + (await readdir(join(inbox, 'cur'))).length;
        // imaplib keeps its session busy (NOOP every 10 ms) so the moves wait, while poplib works.
        const r = await python(
          `import imaplib, poplib, threading, time, os
M = imaplib.IMAP4('127.0.0.1', P['imap'])
M.login('alice@example.com', 'secret')
# Connected before the SELECT: a busy session delays the moves by at most a second (MAX_WAIT_MS),
# and a slow connect after it once let them all happen before POP3 looked.
p = poplib.POP3('127.0.0.1', P['pop3'], timeout=10)
stop = threading.Event()
def busy():
    while not stop.is_set():
        M.noop()
        time.sleep(0.01)
t = threading.Thread(target=busy)
M.select('INBOX')
t.start()
p.user('alice@example.com')
p.pass_('secret')
count = p.stat()[0]
out = {'in_new': len(os.listdir(P['dir'] + '/new')), 'ids': []}
for n in range(1, count + 1):
    lines = p.retr(n)[1]
    out['ids'] += [l.decode() for l in lines if l.lower().startswith(b'message-id: <pop.')]
p.dele(1)
p.quit()
stop.set()
t.join()
M.logout()
print(json.dumps(out))`,
          { imap: test.port('imap'), pop3: test.port('pop3'), dir: inbox },
        );
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout) as { in_new: number; ids: string[] };
        // POP3 read them while (most of) their files were still in new/. A machine too busy to log
        // in within MAX_WAIT_MS of the SELECT lets the moves come first (CI at load 6-9 once): the
        // case was not set up, so it is set up again, on a fresh lab. A lab that moved them at
        // once would fail all three.
        if (out.in_new === 0 && attempt < 3) continue;
        expect(out.in_new).toBeGreaterThan(0);
        expect(out.ids.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `Message-ID: <pop.${n}@example.com>`).sort());
        // One deleted; every other one is in cur/, marked read by the POP3 download.
        await expect.poll(async () => (await readdir(join(inbox, 'new'))).length, { timeout: 10_000 }).toBe(0);
        const cur = await readdir(join(inbox, 'cur'));
        expect(cur).toHaveLength(total - 1);
        expect(cur.every((f) => f.endsWith(':2,S'))).toBe(true);
        return;
      } finally {
        await test.dispose();
      }
    }
  }, 120_000);
});
