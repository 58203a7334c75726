/**
 * Scripted raw IMAP sessions for the protocol tests that check exact transcripts: the
 * connections a test opens are kept, so the file's afterEach can close them all.
 */
import type { TestLab } from './lab.js';
import { imapLogin, imapTagged, RawClient } from './rawSocket.js';

export interface ImapScript {
  /** A connection past the greeting (143 by default; `tls` for 993). */
  connect(port?: number, tls?: boolean): Promise<RawClient>;
  /** A connection logged in as `user` (every lab user's password is "secret"). */
  login(user?: string): Promise<RawClient>;
  /** Sends one command line and returns the transcript up to its tagged reply. */
  send(c: RawClient, line: string): Promise<string>;
  /** Keeps a connection opened elsewhere, to be closed with the rest. */
  keep(c: RawClient): RawClient;
  /** Closes every connection opened since the last call. */
  closeAll(): void;
}

/** Sessions on `lab()`'s IMAP ports (a function: the lab is started in beforeAll). */
export function imapScript(lab: () => TestLab): ImapScript {
  const open: RawClient[] = [];
  const keep = (c: RawClient): RawClient => {
    open.push(c);
    return c;
  };
  const send = (c: RawClient, line: string): Promise<string> => c.command(line, imapTagged(line.split(' ')[0]!));
  const connect = async (port = lab().port('imap'), tls = false): Promise<RawClient> => {
    const c = keep(await RawClient.open(port, tls));
    await c.until(/^\* OK [^\r\n]*\r\n/m);
    return c;
  };
  return {
    connect,
    async login(user = 'alice@example.com') {
      const c = await connect();
      await send(c, `l1 LOGIN ${user} secret`);
      return c;
    },
    send,
    keep,
    closeAll() {
      for (const c of open.splice(0)) c.close();
    },
  };
}

/** The number in a response code such as [HIGHESTMODSEQ 12]; throws if the text has none. */
export function responseCode(text: string, name: string): number {
  const m = new RegExp(`\\[${name} (\\d+)\\]`).exec(text);
  if (!m) throw new Error(`no [${name}] in ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/**
 * A first client has INBOX open once and leaves: no message is \Recent any more, so the FLAGS
 * in later answers are only the ones a test set.
 */
export async function inboxSeenOnce(port: number): Promise<void> {
  const c = await imapLogin(port);
  await c.command('x SELECT INBOX', imapTagged('x'));
  await c.command('y LOGOUT', imapTagged('y'));
  c.close();
}
