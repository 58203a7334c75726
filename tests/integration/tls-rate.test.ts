/**
 * New TLS sessions per client address and minute (Postfix's
 * smtpd_client_new_tls_session_rate_limit): past the limit, STARTTLS gets its protocol's
 * refusal (SMTP 454 4.7.0, IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP]) before any handshake,
 * and the implicit-TLS ports close the connection; another address, and the lab's own
 * connections (the browser terminal from the same address), are not affected. Nor can a client
 * get handshakes past the limit by renegotiating an open session (CVE-2011-1473's class). Real
 * clients: Python's ssl, smtplib, imaplib and poplib, from 127.0.0.2, and Node's TLS client.
 */
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainReply } from '../../site/lib/replyExplain.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

const PER_MINUTE = 6;
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab({ limits: { mailNewTlsSessionsPerMinute: PER_MINUTE } });
});
afterAll(async () => {
  await lab?.dispose();
});

/** Python: one TLS try of each kind from `src`; each returns 'tls' or what the client was told. */
const TRIES = `
import imaplib, poplib, smtplib, socket, ssl, json
ctx = ssl._create_unverified_context()
def bound(src):
    _connect = socket.create_connection
    return lambda addr, timeout=10: _connect(addr, timeout, (src, 0))
def implicit(port, src):
    try:
        with ctx.wrap_socket(bound(src)(('127.0.0.1', port))) as s:
            s.recv(100)
            return 'tls'
    except (ssl.SSLError, OSError) as e:
        return 'closed'
def smtp(src):
    s = smtplib.SMTP('127.0.0.1', P['submission'], timeout=10, source_address=(src, 0)); s.ehlo('rate.test')
    try:
        s.starttls(context=ctx); return 'tls'
    except smtplib.SMTPResponseException as e:
        return '%d %s' % (e.smtp_code, e.smtp_error.decode())
    finally:
        s.close()
def imap(src):
    class C(imaplib.IMAP4):
        def _create_socket(self, timeout):
            return bound(src)((self.host, self.port), timeout)
    m = C('127.0.0.1', P['imap'], timeout=10)
    try:
        # imaplib's starttls() hides the server's words: its own steps, keeping them.
        typ, dat = m._simple_command('STARTTLS')
        if typ != 'OK':
            return '%s %s' % (typ, dat[-1].decode())
        m.sock = ctx.wrap_socket(m.sock); m.file = m.sock.makefile('rb'); m.noop()
        return 'tls'
    finally:
        m.shutdown()
def pop3(src):
    class C(poplib.POP3):
        def _create_socket(self, timeout):
            return bound(src)((self.host, self.port), timeout)
    p = C('127.0.0.1', P['pop3'], timeout=10)
    try:
        p.stls(context=ctx); return 'tls'
    except poplib.error_proto as e:
        return e.args[0].decode()
    finally:
        p.close()
`;

describe('new TLS sessions per address and minute', () => {
  it('refuses STARTTLS with each protocol\'s words and closes the TLS ports past the limit, for that address only', async () => {
    const ports = { submission: lab.port('submission'), imap: lab.port('imap'), pop3: lab.port('pop3'), imaps: lab.port('imaps'), pop3s: lab.port('pop3s'), submissions: lab.port('submissions') };
    const r = await python(
      `${TRIES}
out = {}
out['within'] = [implicit(P['imaps'], '127.0.0.2'), implicit(P['pop3s'], '127.0.0.2'), implicit(P['submissions'], '127.0.0.2'), smtp('127.0.0.2'), imap('127.0.0.2'), pop3('127.0.0.2')]
out['past'] = {'smtp': smtp('127.0.0.2'), 'imap': imap('127.0.0.2'), 'pop3': pop3('127.0.0.2'), 'imaps': implicit(P['imaps'], '127.0.0.2'), 'pop3s': implicit(P['pop3s'], '127.0.0.2'), 'submissions': implicit(P['submissions'], '127.0.0.2')}
out['other'] = [implicit(P['imaps'], '127.0.0.3'), smtp('127.0.0.3'), imap('127.0.0.3'), pop3('127.0.0.3')]
print(json.dumps(out))
`,
      ports,
      60_000,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { within: string[]; past: Record<string, string>; other: string[] };
    expect(out.within).toEqual(Array(PER_MINUTE).fill('tls'));
    const words = `Too many new TLS sessions from your address \\(at most ${PER_MINUTE} a minute\\)\\. Wait \\d+ s, then connect again`;
    expect(out.past.smtp).toMatch(new RegExp(`^454 4\\.7\\.0 ${words}$`));
    expect(out.past.imap).toMatch(new RegExp(`NO \\[UNAVAILABLE\\] ${words}`));
    expect(out.past.pop3).toMatch(new RegExp(`^-ERR \\[SYS/TEMP\\] ${words}$`));
    expect([out.past.imaps, out.past.pop3s, out.past.submissions]).toEqual(['closed', 'closed', 'closed']);
    // Another address has its own minute.
    expect(out.other).toEqual(['tls', 'tls', 'tls', 'tls']);
    // The terminal explains the refusal in both languages.
    expect(explainReply('smtp', out.past.smtp ?? '')?.['zh-CN']).toMatch(new RegExp(`^来自你的地址的新 TLS 会话太多了（每分钟最多 ${PER_MINUTE} 个）。请等待 \\d+ 秒，然后重新连接。$`));
  }, 60_000);

  it('never counts the lab\'s own connections: they use up nothing of the address\'s minute, and the terminal upgrades from an address whose minute is used up', async () => {
    const ports = { imaps: lab.port('imaps'), pop3: lab.port('pop3') };
    const handshakes = async (n: number): Promise<string[]> => {
      const r = await python(`${TRIES}\nprint(json.dumps([implicit(P['imaps'], '127.0.0.1') for _ in range(${n})] + [pop3('127.0.0.1')]))`, ports, 30_000);
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as string[];
    };
    // All but one of 127.0.0.1's minute (the POP3 STLS is one too) ...
    expect(await handshakes(PER_MINUTE - 2)).toEqual([...Array(PER_MINUTE - 2).fill('tls'), 'tls']);
    // ... then a terminal on 993, whose handshake the bridge makes from 127.0.0.1 ...
    const first = await TerminalClient.open(lab.httpPort, 'imaps');
    expect((await first.message('tls')).text).toMatch(/^TLS established/);
    await first.expect(/^\* OK /);
    first.close();
    // ... leaves the last one to the learner's own client; the next is refused.
    const tries = await handshakes(2);
    expect(tries.slice(0, 2)).toEqual(['tls', 'closed']);
    expect(tries.at(-1)).toMatch(/^-ERR \[SYS\/TEMP\] Too many new TLS sessions/);
    const pop = await TerminalClient.open(lab.httpPort, 'pop3');
    await pop.expect(/^\+OK/);
    await pop.send('STLS', /^\+OK Begin TLS/);
    expect((await pop.message('tls')).text).toMatch(/^TLS established/);
    await pop.send('CAPA', /\r\n\.\r\n$/);
    pop.close();
    const imps = await TerminalClient.open(lab.httpPort, 'imaps');
    expect((await imps.message('tls')).text).toMatch(/^TLS established/);
    await imps.expect(/^\* OK /);
    imps.close();
  }, 60_000);
});

/** A TLS 1.2 session (1.3 has no renegotiation) on `port`: implicit, or after `starttls` in the clear. */
async function tls12(port: number, starttls?: { greeting: RegExp; commands: string[]; ready: RegExp }): Promise<TLSSocket> {
  // An address of its own: the tests above used up 127.0.0.1's and 127.0.0.2's minute.
  const plain = tcpConnect({ port, host: '127.0.0.1', localAddress: '127.0.0.4' });
  await new Promise((resolve, reject) => plain.once('connect', resolve).once('error', reject));
  if (starttls) {
    let seen = '';
    const upTo = (pattern: RegExp): Promise<void> =>
      new Promise((resolve) => {
        const check = (chunk?: Buffer): void => {
          if (chunk) seen += chunk.toString('latin1');
          if (!pattern.test(seen)) return;
          plain.off('data', check);
          seen = '';
          resolve();
        };
        plain.on('data', check);
        check();
      });
    await upTo(starttls.greeting);
    for (const command of starttls.commands) plain.write(`${command}\r\n`);
    await upTo(starttls.ready);
  }
  const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, maxVersion: 'TLSv1.2', servername: 'mail.example.com' });
  secure.on('error', () => undefined);
  await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
  return secure;
}

/** Renegotiations the server goes along with, of `tries`; stops at the first it refuses. */
async function renegotiations(secure: TLSSocket, tries: number): Promise<number> {
  let done = 0;
  for (; done < tries; done++) {
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      secure.once('close', () => resolve(false));
      const started = secure.renegotiate({ rejectUnauthorized: false }, (err) => {
        clearTimeout(timer);
        resolve(!err);
      });
      if (!started) resolve(false);
    });
    if (!ok) break;
  }
  secure.destroy();
  return done;
}

describe('TLS renegotiation', () => {
  it('is refused on every TLS port and after STARTTLS, so an open session gives no handshakes past the limit', async () => {
    const ports = [lab.port('imaps'), lab.port('pop3s'), lab.port('submissions')];
    const upgrades = [
      { port: lab.port('imap'), greeting: /^\* OK/m, commands: ['a STARTTLS'], ready: /^a OK/m },
      { port: lab.port('pop3'), greeting: /^\+OK/m, commands: ['STLS'], ready: /^\+OK/m },
      { port: lab.port('submission'), greeting: /^220 /m, commands: ['EHLO renegotiate.test'], ready: /^250 /m },
    ];
    const smtp = upgrades[2]!;
    const sessions = await Promise.all([
      ...ports.map((port) => tls12(port)),
      ...upgrades.slice(0, 2).map((u) => tls12(u.port, u)),
      tls12(smtp.port, { ...smtp, commands: [...smtp.commands, 'STARTTLS'], ready: /^220 .*Ready to start TLS/m }),
    ]);
    // A refused renegotiation is not answered (the server's warning alert leaves Node's client
    // waiting): each gets 3 s, where one gone along with takes milliseconds.
    expect(await Promise.all(sessions.map((s) => renegotiations(s, 3)))).toEqual([0, 0, 0, 0, 0, 0]);
  }, 60_000);
});
