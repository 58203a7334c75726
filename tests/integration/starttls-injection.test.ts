/**
 * STARTTLS/STLS command injection (the CVE-2011-0411 class) on IMAP 143 and POP3 110: commands
 * sent in the clear in the same packet as STARTTLS must be thrown away, not run once the session
 * is encrypted. Python's ssl module does the handshake; the login smuggled behind STARTTLS must
 * not have happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Sends `smuggled` (STARTTLS and what rides behind it) in one packet, upgrades, sends `after` over TLS. */
async function injected(port: number, smuggled: string, after: string): Promise<{ clear: string; secure: string }> {
  const r = await python(
    `
import socket, ssl, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def read(s, until):
    s.settimeout(5); b = b''
    while until not in b:
        d = s.recv(65536)
        if not d: break
        b += d
    return b.decode('latin1')
s = socket.create_connection(('127.0.0.1', P['port']))
read(s, b'\\r\\n')
s.sendall(P['smuggled'].encode())
clear = read(s, b'Begin TLS negotiation now\\r\\n')
time.sleep(0.2)
t = ctx.wrap_socket(s)
t.sendall(P['after'].encode())
secure = read(t, b'\\r\\n')
print(json.dumps({'clear': clear, 'secure': secure}))
`,
    { port, smuggled, after },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { clear: string; secure: string };
}

describe('commands smuggled behind STARTTLS are discarded', () => {
  it('IMAP: a LOGIN pipelined after STARTTLS does not log the encrypted session in', async () => {
    const { clear, secure } = await injected(lab.port('imap'), 'a STARTTLS\r\nb LOGIN alice@example.com secret\r\n', 'c SELECT INBOX\r\n');
    expect(clear).toBe('a OK Begin TLS negotiation now\r\n');
    expect(secure).toMatch(/^c BAD SELECT needs you to log in first/);
    expect(secure).not.toMatch(/^b /m);
  });

  it('POP3: USER and PASS pipelined after STLS do not log the encrypted session in', async () => {
    const { clear, secure } = await injected(lab.port('pop3'), 'STLS\r\nUSER alice@example.com\r\nPASS secret\r\n', 'STAT\r\n');
    expect(clear).toBe('+OK Begin TLS negotiation now\r\n');
    expect(secure).toMatch(/^-ERR STAT is not allowed before login/);
  });
});
