/**
 * The lab's IMAP server beside a real Dovecot 2.3 (a private one, tests/bench/dovecotProcess),
 * each logged in as alice: one command to both, over raw sockets, and both answers back.
 * Dovecot's namespace is the lab's: no prefix, "." between levels, Drafts, Sent and Trash made,
 * subscribed and given their special use.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startDovecot, type DovecotProcess } from '../bench/dovecotProcess.js';
import { startTestLab, type TestLab } from './lab.js';
import { maildirPath } from './maildir.js';
import { imapLogin, imapTagged, type RawClient } from './rawSocket.js';

const SPECIAL_USE = ['Drafts', 'Sent', 'Trash'].map((name) => `  mailbox ${name} {\n    special_use = \\${name}\n    auto = subscribe\n  }\n`);
const NAMESPACE = `namespace inbox {\n  inbox = yes\n  separator = .\n${SPECIAL_USE.join('')}}\n`;

export interface ParityPair {
  /**
   * One command to both servers (or a pair: the lab's, Dovecot's, e.g. naming each one's
   * UIDVALIDITY); each answer up to its tagged line, which must be OK.
   */
  both(command: string | [lab: string, dovecot: string]): Promise<{ lab: string; dovecot: string }>;
  /** The same from a second session of alice's on each server: another client changing the mailbox meanwhile. */
  second(command: string): Promise<{ lab: string; dovecot: string }>;
  /** alice's Maildir on each server, INBOX's directory: a folder "x" is in its ".x". */
  maildirs: { lab: string; dovecot: string };
  /** Each server's POP3 port (alice's maildrop is her INBOX on both). */
  pop3Ports: { lab: number; dovecot: number };
  stop(): Promise<void>;
}

export async function startParityPair(): Promise<ParityPair> {
  const dovecot: DovecotProcess | undefined = await startDovecot(NAMESPACE);
  if (!dovecot) throw new Error('Dovecot is not installed (dovecot-imapd); .ci/run installs it');
  const lab: TestLab = await startTestLab();
  const login = async (): Promise<RawClient[]> => [await imapLogin(lab.port('imap')), await imapLogin(dovecot.imapPort())];
  const clients = await login();
  let others: RawClient[] | undefined;
  let n = 0;
  const send = async (to: RawClient[], command: string | [string, string]): Promise<{ lab: string; dovecot: string }> => {
    const tag = `p${++n}`;
    const commands = typeof command === 'string' ? [command, command] : command;
    const [fromLab, fromDovecot] = await Promise.all(to.map((c, i) => c.command(`${tag} ${commands[i]}`, imapTagged(tag), 20_000)));
    for (const answer of [fromLab!, fromDovecot!]) expect(answer).toMatch(new RegExp(`^${tag} OK`, 'm'));
    return { lab: fromLab!, dovecot: fromDovecot! };
  };
  return {
    both: (command) => send(clients, command),
    async second(command) {
      others ??= await login();
      return send(others, command);
    },
    maildirs: { lab: maildirPath(lab.dataDir, 'default', 'alice@example.com'), dovecot: dovecot.inboxDir },
    pop3Ports: { lab: lab.port('pop3'), dovecot: dovecot.pop3Port() },
    async stop() {
      for (const c of [...clients, ...(others ?? [])]) c.close();
      await lab.dispose();
      await dovecot.stop();
    },
  };
}

/** An APPEND of `message` with a non-synchronizing literal (LITERAL+), as one command line. */
export const appendOf = (mailbox: string, message: string): string => `APPEND ${mailbox} {${Buffer.byteLength(message)}+}\r\n${message}`;

/** An answer's untagged lines, its tagged line left out (Dovecot's says how long the command took). */
export const untagged = (answer: string): string => answer.slice(0, answer.search(/^p\d+ OK/m));

/** Removes the file of the message with `subject` from a folder's cur/ or new/, as a shell's rm would. */
export async function removeMessageFile(folderDir: string, subject: string): Promise<void> {
  for (const sub of ['cur', 'new']) {
    for (const name of await readdir(join(folderDir, sub))) {
      const path = join(folderDir, sub, name);
      // The lab keeps LF line ends on disk, Dovecot the CRLFs it was given.
      if (new RegExp(`^Subject: ${subject}\r?$`, 'm').test(await readFile(path, 'latin1'))) return rm(path);
    }
  }
  throw new Error(`no file with Subject: ${subject} in ${folderDir}`);
}
