/**
 * How flag changes are told, beside a real Dovecot 2.3 (tests/helpers/dovecotParity.ts).
 * Another session's change, told at the next command: Dovecot writes "* 1 FETCH (FLAGS (...))",
 * "(MODSEQ (m) FLAGS (...))" under CONDSTORE and "(UID u MODSEQ (m) FLAGS (...))" under QRESYNC,
 * also inside a UID command; the lab wrote "(UID u FLAGS (...) MODSEQ (m))" in every case.
 * A STORE on a message whose file another program removed: Dovecot keeps the flags until the
 * expunge is told and answers "* 2 FETCH (FLAGS (\Flagged \Recent))"; the lab answered OK alone.
 * Left as they differ: under CONDSTORE Dovecot gives that gone message a new MODSEQ (above the
 * HIGHESTMODSEQ it then says); the lab takes none for it and tells nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, removeMessageFile, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
let boxes = 0;

beforeAll(async () => {
  pair = await startParityPair();
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

/** The untagged lines (MODSEQ values are each server's own count), and the tagged line's condition and code. */
const same = (answer: string): string =>
  `${untagged(answer).replace(/MODSEQ \(\d+\)/g, 'MODSEQ (n)')}${/^p\d+ (OK|NO|BAD)( \[[A-Z-]+)?/m.exec(answer)![0].replace(/^p\d+ /, '')}`;

/** A new folder of three messages, selected by the first session of each server. */
async function threeMessages(): Promise<string> {
  const name = `flags${++boxes}`;
  await pair.both(`CREATE ${name}`);
  for (const n of [1, 2, 3]) await pair.both(appendOf(name, `From: a@example.com\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`));
  await pair.both(`SELECT ${name}`);
  return name;
}

/** Each command's answers on both servers, as `same` shows them: lab's, Dovecot's. */
async function answers(commands: string[]): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const command of commands) {
    const { lab, dovecot } = await pair.both(command);
    out.push([same(lab), same(dovecot)]);
  }
  return out;
}

/** The second session of each server changes the flags of messages 1, 2 and 3 in turn; the first is told at its commands. */
async function toldOfOthers(): Promise<Array<[string, string]>> {
  const name = await threeMessages();
  await pair.second(`SELECT ${name}`);
  const told: Array<[string, string]> = [];
  for (const [n, command] of [[1, 'NOOP'], [2, 'FETCH 1 FLAGS'], [3, 'UID FETCH 1 FLAGS']] as const) {
    await pair.second(`STORE ${n} +FLAGS (\\Flagged)`);
    told.push(...(await answers([command])));
  }
  return told;
}

describe('STORE on a message whose file another program removed', () => {
  it.each(['STORE 2 +FLAGS (\\Flagged)', 'STORE 1:3 +FLAGS (\\Flagged)', 'STORE 2 FLAGS (\\Deleted)', 'STORE 2 +FLAGS.SILENT (\\Flagged)', 'STORE 2 -FLAGS (\\Seen)', 'UID STORE 2 +FLAGS (\\Flagged)'])(
    '%s: the flags told as Dovecot tells them, kept until the expunge is told',
    async (command) => {
      const name = await threeMessages();
      await removeMessageFile(join(pair.maildirs.lab, `.${name}`), 'm2');
      await removeMessageFile(join(pair.maildirs.dovecot, `.${name}`), 'm2');
      for (const [lab, dovecot] of await answers([command, 'FETCH 2 FLAGS', 'NOOP'])) expect(lab).toBe(dovecot);
    },
  );

  it('the STORE says FLAGS for the gone message between the others', async () => {
    const name = await threeMessages();
    await removeMessageFile(join(pair.maildirs.lab, `.${name}`), 'm2');
    await removeMessageFile(join(pair.maildirs.dovecot, `.${name}`), 'm2');
    const [lab] = (await answers(['STORE 1:3 +FLAGS (\\Flagged)']))[0]!;
    expect(lab).toMatch(/^\* 1 FETCH .*\r\n\* 2 FETCH \(FLAGS \(\\Flagged \\Recent\)\)\r\n\* 3 FETCH /);
  });
});

describe("another session's flag changes, told at the next command", () => {
  it('without CONDSTORE: FLAGS alone, no UID (not even in a UID FETCH)', async () => {
    const told = await toldOfOthers();
    expect(told[0]![0]).toMatch(/^\* 1 FETCH \(FLAGS \(\\Flagged \\Recent\)\)\r\n/);
    for (const [lab, dovecot] of told) expect(lab).toBe(dovecot);
  });

  it('under CONDSTORE: MODSEQ before FLAGS', async () => {
    await pair.both('ENABLE CONDSTORE');
    const told = await toldOfOthers();
    expect(told[0]![0]).toMatch(/^\* 1 FETCH \(MODSEQ \(n\) FLAGS \(\\Flagged \\Recent\)\)\r\n/);
    for (const [lab, dovecot] of told) expect(lab).toBe(dovecot);
  });

  it('under QRESYNC: UID, then MODSEQ, then FLAGS', async () => {
    await pair.both('ENABLE QRESYNC');
    const told = await toldOfOthers();
    expect(told[0]![0]).toMatch(/^\* 1 FETCH \(UID 1 MODSEQ \(n\) FLAGS \(\\Flagged \\Recent\)\)\r\n/);
    for (const [lab, dovecot] of told) expect(lab).toBe(dovecot);
  });
});
