/**
 * Command lines longer than the 64 KiB an IMAP command line may be. The lab reads them without
 * keeping them, answers BAD with the command's tag and goes on with the next command. A line
 * that came in several pieces lost its tag (the untagged "* BAD" left a client waiting for its
 * tag for good), and a literal announced with LITERAL+ at the end of such a line was read as
 * commands of its own.
 */
import { describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { useLabFile } from '../helpers/labFile.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';

const { lab } = useLabFile();

const tagged = imapTagged;
const flags = (n: number): string => Array.from({ length: n }, (_, i) => `$k${i}`).join(' ');

async function login(): Promise<RawClient> {
  const c = await RawClient.open(lab().port('imap'));
  await c.until(/^\* OK [^\r\n]*\r\n/m);
  await c.command('l1 LOGIN alice@example.com secret', tagged('l1'));
  return c;
}

describe('a command line past 64 KiB', () => {
  it('gets BAD with its tag, however it arrives, and the connection goes on', async () => {
    const c = await login();
    expect(await c.command(`a1 NOOP ${'x'.repeat(1024 * 1024)}`, /\r\n/, 15_000)).toMatch(/^a1 BAD Line too long: a command line is at most 64 KiB/);
    // In pieces the client waits between: the lab has dropped the start long before the end comes.
    c.send(`a2 SEARCH KEYWORD ${'y'.repeat(100_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    c.send(`${'y'.repeat(100_000)}\r\n`);
    expect(await c.until(/\r\n/)).toMatch(/^a2 BAD Line too long/);
    expect(await c.command('a3 NOOP', tagged('a3'))).toBe('a3 OK NOOP completed\r\n');
    c.close();
  });

  it('skips a LITERAL+ literal announced at its end instead of reading it as commands', async () => {
    const c = await login();
    const literal = 'a2 CREATE Injected\r\n';
    const reply = await c.command(`a1 APPEND INBOX (${flags(60_000)}) {${literal.length}+}\r\n${literal}\r\na3 NOOP`, tagged('a3'), 15_000);
    expect(reply).toBe('a1 BAD Line too long: a command line is at most 64 KiB. Send long values as literals, e.g. {5000}\r\na3 OK NOOP completed\r\n');
    expect(await c.command('a4 LIST "" Injected', tagged('a4'))).toMatch(/^a4 OK LIST completed: no mailbox matches "Injected"/);
    c.close();
  });

  it('skips it too when the line ends with its CR and LF in different pieces', async () => {
    const c = await login();
    const literal = 'a2 CREATE Injected2\r\n';
    const line = `a1 APPEND INBOX (${flags(12_000)}) {${literal.length}+}\r`;
    // The last piece ends in CR and takes the line past 64 KiB, so the lab drops it, CR and all.
    c.send(line.slice(0, 60_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    c.send(line.slice(60_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reply = await c.command(`\n${literal}\r\na3 NOOP`, tagged('a3'), 15_000);
    expect(reply).toMatch(/^a1 BAD Line too long[^\r\n]*\r\na3 OK NOOP completed\r\n$/);
    expect(await c.command('a4 LIST "" Injected2', tagged('a4'))).toMatch(/^a4 OK LIST completed: no mailbox matches "Injected2"/);
    c.close();
  });

  it('lets imaplib see its error instead of waiting for a tag that never comes', async () => {
    const out = await imaplib(
      lab().port('imap'),
      `
M.login('alice@example.com', 'secret')
try:
    M.append('INBOX', '(' + ' '.join('$k%d' % i for i in range(60000)) + ')', None, b'Subject: hi\\r\\n\\r\\nbody\\r\\n')
except imaplib.IMAP4.error as e:
    out['error'] = str(e)
out['noop'] = M.noop()
`,
    );
    expect(out.error).toMatch(/^APPEND command error: BAD \[b'Line too long/);
    expect(out.noop[0]).toBe('OK');
  });
});
