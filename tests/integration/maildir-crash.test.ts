/**
 * kill -9 in the middle of a big MOVE or EXPUNGE (issue 12, item 6). A real lab runs in its
 * own process; Python's imaplib moves 1,500 messages between INBOX and Archive, or expunges
 * them, and the lab is killed at a random instant. After each restart imaplib counts every
 * message: each is in exactly one folder (nothing lost, nothing doubled), with its flags and
 * keywords; no UID ever names a different message; UIDVALIDITY never changes.
 */
import { watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { maildirPath } from '../helpers/maildir.js';
import { spawn } from 'node:child_process';

const COUNT = 1500;
const FOLDERS = ['INBOX', 'Archive'];

let lab: LabProcess;
let dataDir: string;

beforeAll(async () => {
  lab = await startLabProcess();
  dataDir = lab.dataDir;
  const inbox = maildirPath(dataDir, 'default', 'alice@example.com');
  for (let n = 0; n < COUNT; n++) {
    const body = `Message-ID: <crash.${n}@example.com>\nSubject: crash test ${n}\n\nbody ${n}\n`;
    await writeFile(join(inbox, 'new', `1790000000.M${n}P1Q${n}.bench,S=${body.length},W=${body.length + 4}`), body);
  }
  // Flags and keywords to watch: every 3rd message \Flagged, every 5th $label1, every 7th \Seen.
  const setup = await imaplib(`
M.create('Archive')
M.select('INBOX')
typ, data = M.uid('SEARCH', None, 'ALL')
uids = data[0].split()
# One STORE per flag over a UID set (was one per message, ~900 round trips): the same flags.
for flag, step in (('\\\\Flagged', 3), ('$label1', 5), ('\\\\Seen', 7)):
    M.uid('STORE', b','.join(uids[::step]).decode(), '+FLAGS.SILENT', '(' + flag + ')')
print(len(uids))`);
  expect(setup.trim()).toBe(String(COUNT + 3));
}, 120_000);

afterAll(async () => {
  await lab?.stop();
});

/** Runs imaplib as alice against the lab; `M` is the logged-in connection. */
async function imaplib(body: string): Promise<string> {
  const result = await python(`import imaplib\nM = imaplib.IMAP4('127.0.0.1', P['port'])\nM.login('alice@example.com', 'secret')\n${body}`, { port: lab.ports.imap });
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
}

interface Census {
  uidValidity: Record<string, number>;
  /** Message-ID -> where it is and its flags (without \Recent). */
  messages: Map<string, { folder: string; uid: number; flags: string }[]>;
}

async function census(): Promise<Census> {
  const out = await imaplib(`
import json, re
result = {}
for folder in ${JSON.stringify(FOLDERS)}:
    typ, st = M.status(folder, '(UIDVALIDITY)')
    validity = int(re.search(rb'UIDVALIDITY (\\d+)', st[0]).group(1))
    M.select(folder, readonly=True)
    typ, data = M.uid('FETCH', '1:*', '(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])')
    found = []
    for item in data:
        if not isinstance(item, tuple): continue
        uid = int(re.search(rb'UID (\\d+)', item[0]).group(1))
        flags = re.search(rb'FLAGS \\(([^)]*)\\)', item[0]).group(1).decode()
        mid = re.search(rb'<([^>]+)>', item[1]).group(1).decode()
        found.append([uid, ' '.join(sorted(f for f in flags.split() if f != '\\\\Recent')), mid])
    result[folder] = {'validity': validity, 'messages': found}
print(json.dumps(result))`);
  const parsed = JSON.parse(out) as Record<string, { validity: number; messages: Array<[number, string, string]> }>;
  const c: Census = { uidValidity: {}, messages: new Map() };
  for (const [folder, { validity, messages }] of Object.entries(parsed)) {
    c.uidValidity[folder] = validity;
    for (const [uid, flags, id] of messages) c.messages.set(id, [...(c.messages.get(id) ?? []), { folder, uid, flags }]);
  }
  return c;
}

/**
 * Sends one command through imaplib and kills the lab (SIGKILL) `delayMs` after it went out, or,
 * with `firstArrivalIn`, as soon as the first file lands in that directory (a MOVE under way).
 */
async function killDuring(command: string, folder: string, delayMs: number, firstArrivalIn?: string): Promise<void> {
  const child = spawn('python3', [
    '-c',
    `import imaplib, sys\nM = imaplib.IMAP4('127.0.0.1', ${lab.ports.imap})\nM.login('alice@example.com', 'secret')\nM.select('${folder}')\nprint('sent', flush=True)\ntry:\n    M._simple_command(*${JSON.stringify(command.split(' '))})\nexcept Exception as e:\n    pass`,
  ]);
  const exited = new Promise((r) => child.once('exit', r));
  // Watched before the command goes out, so the first rename into it is never missed.
  const arrival = firstArrivalIn ? watch(firstArrivalIn) : undefined;
  const landed = arrival ? new Promise<void>((resolve) => arrival.once('change', () => resolve())) : undefined;
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('sent') && resolve()));
  await (landed ?? new Promise((r) => setTimeout(r, delayMs)));
  await lab.kill('SIGKILL');
  arrival?.close();
  await exited;
  lab = await startLabProcess([], dataDir);
}

describe('kill -9 during MOVE and EXPUNGE', () => {
  it('leaves every message in exactly one folder with its flags, and never reuses a UID', async () => {
    const first = await census();
    const flagsOf = new Map([...first.messages].map(([id, [where]]) => [id, where!.flags]));
    expect(flagsOf.size).toBe(COUNT + 3);
    expect([...flagsOf.values()].filter((f) => f.includes('$label1')).length).toBe(Math.ceil((COUNT + 3) / 5));
    const uidOwner = new Map<string, string>();
    const check = (c: Census, expunging: boolean): { perFolder: Record<string, number> } => {
      expect(c.uidValidity).toEqual(first.uidValidity);
      const perFolder: Record<string, number> = { INBOX: 0, Archive: 0 };
      for (const [id, places] of c.messages) {
        expect(places, id).toHaveLength(1);
        const [{ folder, uid, flags }] = places as [{ folder: string; uid: number; flags: string }];
        const wanted = flagsOf.get(id)!;
        expect(expunging ? flags.replace(/ ?\\Deleted/, '').trim() : flags, id).toBe(wanted);
        const key = `${folder}/${uid}`;
        expect(uidOwner.get(key) ?? id, `UID ${key} named another message before`).toBe(id);
        uidOwner.set(key, id);
        perFolder[folder]!++;
      }
      if (!expunging) expect(c.messages.size).toBe(flagsOf.size);
      return { perFolder };
    };
    check(first, false);

    let partial = 0;
    // Five kills at set moments. On a fast machine a whole MOVE takes ~20 ms, and on a loaded one
    // the set moments can all miss it (CI at bc7ec6d: 14 kills, none inside a move); so when none
    // of the five landed inside one, more follow, each the moment the first message arrives.
    for (const [round, delay] of [15, 40, 80, 5, 120, 0, 0, 0, 0, 0, 0].entries()) {
      if (round >= 5 && partial > 0) break;
      const [from, to] = round % 2 === 0 ? ['INBOX', 'Archive'] : ['Archive', 'INBOX'];
      const arrivals = round >= 5 ? join(maildirPath(dataDir, 'default', 'alice@example.com', to === 'INBOX' ? '' : to), 'cur') : undefined;
      await killDuring(`UID MOVE 1:* ${to}`, from, delay, arrivals);
      const { perFolder } = check(await census(), false);
      if (perFolder.INBOX! > 0 && perFolder.Archive! > 0) partial++;
      // Put everything back in INBOX for the next round's direction.
      if (round % 2 === 0 && perFolder.INBOX! > 0) await imaplib(`M.select('INBOX')\nM.uid('MOVE', '1:*', 'Archive')`);
      if (round % 2 === 1 && perFolder.Archive! > 0) await imaplib(`M.select('Archive')\nM.uid('MOVE', '1:*', 'INBOX')`);
    }
    // The kills must have landed in the middle of a move at least once, or this proved nothing.
    expect(partial).toBeGreaterThan(0);

    const before = check(await census(), false).perFolder;
    await imaplib(`M.select('${before.INBOX! > 0 ? 'INBOX' : 'Archive'}')\nM.uid('STORE', '1:*', '+FLAGS.SILENT', '(\\\\Deleted)')`);
    await killDuring('EXPUNGE', before.INBOX! > 0 ? 'INBOX' : 'Archive', 20);
    const after = await census();
    check(after, true);
    // Whatever survived the expunge still carries \Deleted; nothing else disappeared.
    for (const places of after.messages.values()) expect(places[0]!.flags).toContain('\\Deleted');
  }, 300_000);
});
