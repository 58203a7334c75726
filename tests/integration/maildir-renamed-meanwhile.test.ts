/**
 * A message file another program renames or removes while a client reads the folder: a mail
 * program beside the lab, a learner's shell. When the directories' times do not say so (the
 * rename fell in the same clock tick as one of the lab's own, whose times it then took as its
 * own; here a program that puts the times back, so it happens every time), a FETCH found no
 * file and answered NIL until something else sent the folder back to its directories. Dovecot
 * looks at them again itself when a file is missing (maildir_file_do); the lab does the same,
 * one full look serving every miss before it (maildir/forcedLooks.ts). imaplib reads while a thread of
 * its own renames each message once, as \Seen, and removes a few, keeping the directories' times.
 */
import { writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';

const COUNT = 300;
/** A whole second long past: the directories' times the renamer keeps. */
const KEPT_TIME = 1_700_000_000;
let lab: TestLab;
let inbox: string;

beforeAll(async () => {
  lab = await startTestLab();
  inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
}, 60_000);
afterAll(async () => {
  await lab?.dispose();
});

/** Drops COUNT messages into a folder's cur/ ("body N"), its directories' times set long past. */
function dropMessages(folder: string, tag: string): void {
  for (let n = 0; n < COUNT; n++) {
    const body = `Message-ID: <${tag}.${n}@example.com>\nSubject: ${tag} ${n}\n\nbody ${n}\n`;
    writeFileSync(join(folder, 'cur', `1790000000.M${n}P1Q${n}.${tag},S=${body.length},W=${body.length + 4}:2,`), body);
  }
  for (const dir of ['new', 'cur']) utimesSync(join(folder, dir), KEPT_TIME, KEPT_TIME);
}

/**
 * Python: rename_all() renames (or removes) each of the folder's test files once, keeping the
 * directories' times; numbers() maps UIDs to message numbers ("body N"); wrong() FETCHes 1:* and
 * lists the answers that are NIL for a message not removed, or hold another message's body
 * (the \\Seen the lab learns of meanwhile comes in FETCH answers of its own: not counted).
 */
const SCRIPT = `import os, re, threading, time
def rename_all(folder, tag, removed):
    cur = os.path.join(folder, 'cur')
    for i, f in enumerate(sorted(x for x in os.listdir(cur) if tag in x)):
        if i % 25 == 7:
            removed.add(int(re.search(r'M(\\d+)P', f).group(1)))
            os.unlink(os.path.join(cur, f))
        else:
            os.rename(os.path.join(cur, f), os.path.join(cur, f + 'S'))
        for d in ('new', 'cur'): os.utime(os.path.join(folder, d), (P['kept'], P['kept']))
        if i % 10 == 0: time.sleep(0.001)
def numbers():
    typ, data = M.uid('fetch', '1:*', '(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])')
    found = {}
    for item in data:
        if isinstance(item, tuple):
            m = re.search(rb'<[a-z]+\\.(\\d+)@', item[1])
            if m: found[int(re.search(rb'UID (\\d+)', item[0]).group(1))] = int(m.group(1))
    return found
def wrong(number, removed):
    typ, data = M.uid('fetch', '1:*', '(BODY.PEEK[])')
    assert typ == 'OK', (typ, data)
    bad = []
    for item in data:
        head = item[0] if isinstance(item, tuple) else item
        # Flag changes the lab saw meanwhile come as FETCH answers of their own.
        if b'BODY[]' not in head: continue
        m = re.search(rb'UID (\\d+)', head)
        if not m or int(m.group(1)) not in number: continue
        n = number[int(m.group(1))]
        body = item[1] if isinstance(item, tuple) else None
        if (body is None and n not in removed) or (body is not None and b'body %d\\r\\n' % n not in body): bad.append(d(head))
    return bad
M.login('alice@example.com', 'secret')
`;

describe('a message file renamed or removed by another program, the directories\' times kept', () => {
  it('is found where it went by the next FETCH, not answered NIL', { timeout: 120_000 }, async () => {
    dropMessages(inbox, 'kept');
    const out = await imaplib(
      lab.port('imap'),
      `${SCRIPT}
M.select('INBOX', readonly=True)
number, removed = numbers(), set()
rename_all(P['folder'], 'kept', removed)
out['numbered'] = len(number)
out['wrong'] = wrong(number, removed)
out['removed'] = len(removed)
M.logout()`,
      { folder: inbox, kept: KEPT_TIME },
    );
    expect(out.numbered).toBe(COUNT);
    expect(out.wrong).toEqual([]);
    expect(out.removed).toBe(12);
  });

  it('is found by FETCHes racing the renamer, each answer whole', { timeout: 120_000 }, async () => {
    await imaplib(lab.port('imap'), `M.login('alice@example.com', 'secret')\nout['created'] = M.create('Race')[0]\nM.logout()`);
    const race = join(inbox, '.Race');
    dropMessages(race, 'race');
    const out = await imaplib(
      lab.port('imap'),
      `${SCRIPT}
M.select('Race', readonly=True)
number, removed = numbers(), set()
renamer = threading.Thread(target=rename_all, args=(P['folder'], 'race', removed))
renamer.start()
fetches, bad = 0, []
while renamer.is_alive() or fetches == 0:
    bad += wrong(number, removed); fetches += 1
renamer.join()
bad += wrong(number, removed)
out['numbered'] = len(number)
out['fetches'] = fetches
out['wrong'] = bad
M.logout()`,
      { folder: race, kept: KEPT_TIME },
    );
    expect(out.numbered).toBe(COUNT);
    expect(out.wrong).toEqual([]);
    expect(out.fetches).toBeGreaterThan(0);
  });
});
