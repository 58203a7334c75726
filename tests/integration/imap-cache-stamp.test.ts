/**
 * A folder's field cache (maildir-cache) written by a lab whose parser answered otherwise: its
 * ENVELOPE, BODYSTRUCTURE and BODY records carry no parser stamp (imap/mime/cacheFields.ts),
 * so they are not used. The message is parsed again at its first FETCH, the answer is the
 * parser's of today, and the new records are appended: after another restart they serve. The
 * old code answered from the old records for as long as the file was kept.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged } from '../helpers/rawSocket.js';

// A process of its own each time: the summaries a lab keeps in memory would outlive a restart in this one.
let lab: LabProcess;
afterAll(async () => {
  await lab?.stop();
});

const MESSAGE = 'From: "A  B" <a@example.com>\r\nSubject: fresh\r\n\r\nbody\r\n';
/** What an older parser left in the cache for it (another subject, the name quoted as it was). */
const OLD = {
  envelope: '(NIL "stale" (("A  B" NIL "a" "example.com")) (("A  B" NIL "a" "example.com")) (("A  B" NIL "a" "example.com")) NIL NIL NIL NIL NIL)',
  bodystructure: '("text" "plain" ("charset" "stale") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)',
  body: '("text" "plain" ("charset" "stale") NIL NIL "7bit" 6 1)',
};

async function fetchAll(): Promise<string> {
  const c = await imapLogin(lab.ports.imap!);
  await c.command('s SELECT INBOX', imapTagged('s'));
  const answer = await c.command('f FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)', imapTagged('f'));
  c.close();
  return answer;
}

describe('a field cache from an older parser', () => {
  it('is parsed again at the first FETCH, and the new records serve after a restart', { timeout: 120_000 }, async () => {
    lab = await startLabProcess();
    const c = await imapLogin(lab.ports.imap!);
    expect(await c.command(`a APPEND INBOX {${MESSAGE.length}+}\r\n${MESSAGE}`, imapTagged('a'))).toMatch(/^a OK/m);
    c.close();
    expect(await fetchAll()).toContain('"fresh"');
    await lab.kill();
    // The file as a lab of round 13 wrote it: the three fields under their bare names.
    const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    const bases = (await readdir(join(inbox, 'cur'))).map((name) => name.split(':')[0]!);
    const records = bases.flatMap((base) => Object.entries(OLD).map(([field, value]) => `${base} ${field} ${value.length}\n${value}\n`));
    await writeFile(join(inbox, 'maillab-cache'), records.join(''), 'latin1');

    lab = await startLabProcess([], lab.dataDir);
    const answer = await fetchAll();
    expect(answer).not.toContain('stale');
    expect(answer).toMatch(/ENVELOPE \(NIL "fresh" \(\(\{3\}\r\nA B NIL "a" "example\.com"\)\)/);
    expect(answer).toMatch(/BODYSTRUCTURE \("text" "plain" \("charset" "us-ascii"\)/);
    await lab.kill();
    // Appended beside the old ones, under stamped names.
    const cache = await readFile(join(inbox, "maillab-cache"), "latin1");
    for (const base of bases) {
      expect(cache).toMatch(new RegExp(`^${base.replace(/\W/g, '\\$&')} envelope\\.\\d+ \\d+`, 'm'));
      expect(cache).toMatch(new RegExp(`^${base.replace(/\W/g, '\\$&')} bodystructure\\.\\d+ \\d+`, 'm'));
    }

    lab = await startLabProcess([], lab.dataDir);
    const again = await fetchAll();
    expect(again).not.toContain('stale');
    expect(again).toContain('"fresh"');
  });
});
