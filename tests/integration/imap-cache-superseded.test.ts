/**
 * Records a raised parser stamp left behind in a folder's maillab-cache (imap/mime/cacheFields.ts,
 * maildir/fieldStamps.ts): the compaction drops them once half the messages have records of the
 * new stamp, and a MOVE carries only the highest stamp of each name. Review 14 on 2e14d79: both
 * kept every record of every live message, so each raise left ~0.5 kB per message in the file for
 * good, read at every load and carried along by COPY/MOVE.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIELD_STAMPS } from '../../lab-server/src/imap/mime/cacheFields.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged } from '../helpers/rawSocket.js';

let lab: LabProcess;
afterAll(async () => {
  await lab?.stop();
});

const FIELDS = ['envelope', 'bodystructure', 'body'] as const;
const message = (i: number): string => `From: a${i}@example.com\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`;
/** The names each record of a cache file has, by message. */
const namesIn = (file: string): Map<string, string[]> => {
  const names = new Map<string, string[]>();
  for (const [, base, field] of file.matchAll(/^(\S+) (\S+) \d+(?: \d+)?\n/gm)) names.set(base!, [...(names.get(base!) ?? []), field!]);
  return names;
};

/** Waits for the file to become what `done` says (a flush comes a second after the last change), up to a generous limit. */
async function cacheWhen(path: string, done: (file: string) => boolean): Promise<string> {
  const until = Date.now() + 60_000;
  for (;;) {
    const file = await readFile(path, 'latin1').catch(() => '');
    if (done(file) || Date.now() > until) return file;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('records of a superseded parser stamp', () => {
  it('go with the compaction, and a MOVE carries only the newest', { timeout: 180_000 }, async () => {
    const current = FIELDS.map((f) => `${f}.${FIELD_STAMPS[f]}`);
    const old = FIELDS.map((f) => `${f}.${FIELD_STAMPS[f] - 1}`);
    lab = await startLabProcess();
    // A folder of their own: the INBOX holds the world's seed messages.
    const folder = join(maildirPath(lab.dataDir, 'default', 'alice@example.com'), '.Stamps');
    const c = await imapLogin(lab.ports.imap!);
    expect(await c.command('c CREATE Stamps', imapTagged('c'))).toMatch(/^c OK/m);
    expect(await c.command('d CREATE Archive', imapTagged('d'))).toMatch(/^d OK/m);
    for (let i = 0; i < 10; i++) expect(await c.command(`a${i} APPEND Stamps {${message(i).length}+}\r\n${message(i)}`, imapTagged(`a${i}`))).toMatch(/OK/);
    await c.command('s SELECT Stamps', imapTagged('s'));
    await c.command('f FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)', imapTagged('f'));
    c.close();
    await lab.kill();
    // The file as the lab of the stamp before wrote it: the same records, one stamp lower (same length: the index's offsets hold).
    const written = await readFile(join(folder, 'maillab-cache'), 'latin1');
    const lowered = written.replace(/^(\S+ [a-z]+)\.(\d+)( \d+)/gm, (_, head: string, stamp: string, rest: string) => `${head}.${Number(stamp) - 1}${rest}`);
    expect(lowered.length).toBe(written.length);
    await writeFile(join(folder, 'maillab-cache'), lowered, 'latin1');

    lab = await startLabProcess([], lab.dataDir);
    const again = await imapLogin(lab.ports.imap!);
    await again.command('s SELECT Stamps', imapTagged('s'));
    // One message parsed again, then moved: it holds both stamps now; a tenth is too few to compact.
    expect(await again.command('f FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)', imapTagged('f'))).toContain('"message 0"');
    expect(await again.command('m UID MOVE 1 Archive', imapTagged('m'))).toMatch(/^m OK/m);
    const archive = join(folder, '..', '.Archive', 'maillab-cache');
    const moved = [...namesIn(await cacheWhen(archive, (f) => namesIn(f).size > 0)).values()];
    expect(moved).toHaveLength(1);
    expect(moved[0]!.sort()).toEqual([...current].sort());

    // Every message parsed again: the old records go at the next compaction.
    await again.command('g FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)', imapTagged('g'));
    again.close();
    const file = await cacheWhen(join(folder, 'maillab-cache'), (f) => !old.some((name) => f.includes(` ${name} `)));
    const bases = (await readdir(join(folder, 'cur'))).map((name) => name.split(':')[0]!);
    expect(bases).toHaveLength(9);
    const names = namesIn(file);
    for (const base of bases) expect(names.get(base)?.sort(), base).toEqual([...current].sort());
    expect(file.length).toBeLessThan(written.length);
  });

  it('go when the file is of round 13 (bare names, records unlinked), fetched again or not (review 14 on a98139e)', { timeout: 120_000 }, async () => {
    // The first test's lab: afterAll() stops only the last one (it ran on, and its data dir stayed).
    await lab?.stop();
    lab = await startLabProcess();
    const folder = join(maildirPath(lab.dataDir, 'default', 'alice@example.com'), '.Stamps');
    const c = await imapLogin(lab.ports.imap!);
    expect(await c.command('c CREATE Stamps', imapTagged('c'))).toMatch(/^c OK/m);
    for (let i = 0; i < 4; i++) expect(await c.command(`a${i} APPEND Stamps {${message(i).length}+}\r\n${message(i)}`, imapTagged(`a${i}`))).toMatch(/OK/);
    c.close();
    await lab.kill();
    const bases = (await readdir(join(folder, 'new'))).concat(await readdir(join(folder, 'cur'))).map((name) => name.split(':')[0]!);
    expect(bases).toHaveLength(4);
    await writeFile(join(folder, 'maillab-cache'), bases.flatMap((base) => FIELDS.map((f) => `${base} ${f} 5\n(old)\n`)).join(''), 'latin1');

    lab = await startLabProcess([], lab.dataDir);
    const again = await imapLogin(lab.ports.imap!);
    await again.command('s SELECT Stamps', imapTagged('s'));
    // Only the first is fetched (a client that fetches the newest mail only): the others' records are dead all the same.
    expect(await again.command('f FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)', imapTagged('f'))).not.toContain('(old)');
    again.close();
    const file = await cacheWhen(join(folder, 'maillab-cache'), (f) => f !== '' && !f.includes('(old)'));
    expect(file).not.toContain('(old)');
    const names = [...namesIn(file).values()].map((n) => n.sort());
    expect(names).toEqual([FIELDS.map((f) => `${f}.${FIELD_STAMPS[f]}`)].map((n) => n.sort()));
  });
});
