/**
 * The POP3 listeners driven by Python's poplib and curl, plus scripted raw sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';
import { RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const POP_SCRIPT = `
import poplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
if P.get('implicit'):
    p = poplib.POP3_SSL('127.0.0.1', P['port'], context=ctx, timeout=10)
else:
    p = poplib.POP3('127.0.0.1', P['port'], timeout=10)
out = {}
if P.get('stls'):
    out['stls'] = p.stls(context=ctx).decode()
out['user'] = p.user(P['user']).decode()
out['pass'] = p.pass_(P['password']).decode()
out['stat'] = list(p.stat())
out['list'] = [l.decode() for l in p.list()[1]]
out['uidl'] = [l.decode() for l in p.uidl()[1]]
if P.get('retr'):
    resp, lines, octets = p.retr(P['retr'])
    out['retr'] = [l.decode('utf8') for l in lines]
    out['octets'] = octets
if P.get('top'):
    out['top'] = [l.decode('utf8') for l in p.top(P['top'], 0)[1]]
for n in P.get('dele', []):
    out.setdefault('dele', []).append(p.dele(n).decode())
if P.get('relist'):
    out['relist'] = p.list()[0].decode()
if P.get('rset'):
    out['rset'] = p.rset().decode()
if P.get('drop'):
    p.sock.close()
else:
    out['quit'] = p.quit().decode()
print(json.dumps(out))
`;

async function poplib(params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await python(POP_SCRIPT, { port: lab.port('pop3'), user: 'alice@example.com', password: 'secret', ...params });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('POP3 with poplib', () => {
  it('lists, retrieves and un-stuffs the seed messages', async () => {
    const out = await poplib({ retr: 3, top: 2 });
    expect(out.stat).toEqual([3, expect.any(Number)]);
    expect((out.list as string[]).length).toBe(3);
    const retr = out.retr as string[];
    // poplib removes the stuffed dots: the original lines come back.
    expect(retr).toContain('.hidden');
    expect(retr).toContain('..two dots');
    expect(retr).toContain('.');
    expect(retr.some((l) => l.startsWith('Subject: =?UTF-8?B?'))).toBe(true);
    // The size in LIST is the size on the wire, CRLF included.
    const size3 = Number((out.list as string[])[2]!.split(' ')[1]);
    expect(out.octets).toBe(size3);
    // TOP n 0 is the header and nothing of the body.
    const top = out.top as string[];
    expect(top.at(-1)).toBe('');
    expect(top).toContain('Subject: The port table, as a file');
    expect(top.join('\n')).not.toContain('This is a multi-part message');
  });

  it('deletes only at QUIT: a dropped connection deletes nothing; RSET undoes', async () => {
    const dir = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    const before = await listMaildir(dir);
    await poplib({ dele: [1], drop: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(await listMaildir(dir)).toEqual(before);
    const rset = await poplib({ dele: [1], rset: true });
    expect(rset.quit).toMatch(/deleted: 0/);
    expect(await listMaildir(dir)).toEqual(before);
  });

  it('counts one message in the singular and many in the plural', async () => {
    const all = await poplib({ user: 'bob@example.com', rset: true, drop: true });
    const count = (all.stat as number[])[0]!;
    expect(count).toBeGreaterThan(1);
    expect(all.pass).toMatch(new RegExp(`: ${count} messages \\(`));
    const one = await poplib({ user: 'bob@example.com', dele: Array.from({ length: count - 1 }, (_, i) => i + 1), relist: true, rset: true, drop: true });
    expect(one.relist).toBe('+OK 1 message');
    expect(one.rset).toBe(`+OK ${count} messages, none marked for deletion`);
  });

  it('keeps UIDLs stable across a restart and removes DELEted messages at QUIT', async () => {
    const first = await poplib({});
    lab = await lab.restart();
    const second = await poplib({});
    expect(second.uidl).toEqual(first.uidl);
    expect((first.uidl as string[])[0]).toMatch(/^1 [0-9A-F]{16}$/);
    const deleted = await poplib({ dele: [1], user: 'bob@example.com' });
    expect(deleted.quit).toMatch(/deleted: 1/);
    const after = await poplib({ user: 'bob@example.com' });
    expect((after.uidl as string[]).map((l) => l.split(' ')[1])).toEqual(
      ((await poplib({ user: 'bob@example.com' })).uidl as string[]).map((l) => l.split(' ')[1]),
    );
    expect((after.stat as number[])[0]).toBe((deleted.stat as number[])[0]! - 1);
  });

  it('upgrades with STLS, and serves POP3S with implicit TLS', async () => {
    const stls = await poplib({ stls: true });
    expect(stls.stls).toMatch(/^\+OK/);
    expect(stls.pass).toMatch(/^\+OK Logged in as alice@example\.com/);
    const implicit = await poplib({ implicit: true, port: lab.port('pop3s') });
    expect(implicit.stat).toEqual(stls.stat);
  });
});

describe('POP3 with curl', () => {
  it('lists and retrieves over pop3:// and pop3s://', async () => {
    const list = await run('curl', ['-sS', '--user', 'carol@otherdomain.com:secret', `pop3://127.0.0.1:${lab.port('pop3')}/`]);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split(/\r?\n/)).toHaveLength(3);
    const retr = await run('curl', ['-sS', '-k', '--user', 'carol@otherdomain.com:secret', `pop3s://127.0.0.1:${lab.port('pop3s')}/1`]);
    expect(retr.code).toBe(0);
    expect(retr.stdout).toContain('Subject: Welcome to MailLab');
    const wrong = await run('curl', ['-sS', '--user', 'carol@otherdomain.com:nope', `pop3://127.0.0.1:${lab.port('pop3')}/`]);
    expect(wrong.code).not.toBe(0);
  });
});

describe('POP3 by hand', () => {
  it('explains commands in the wrong state and refuses a second session with [IN-USE]', async () => {
    const a = await RawClient.open(lab.port('pop3'));
    await a.until(/^\+OK .*\r\n/);
    expect(await a.command('RETR 1', /\r\n$/)).toMatch(/^-ERR RETR is not allowed before login\. Log in first: USER/);
    expect(await a.command('PASS secret', /\r\n$/)).toMatch(/^-ERR Send USER first/);
    await a.command('USER carol', /^\+OK/);
    expect(await a.command('PASS secret', /\r\n$/)).toMatch(/^\+OK Logged in as carol@otherdomain\.com/);
    expect(await a.command('USER carol', /\r\n$/)).toMatch(/^-ERR Already logged in/);
    expect(await a.command('RETR 99', /\r\n$/)).toMatch(/^-ERR No message 99/);
    // A number too long to be one of them is no message either, not a missing number.
    expect(await a.command('RETR 4294967297', /\r\n$/)).toMatch(/^-ERR No message 4294967297: the maildrop has messages 1 to \d+/);
    expect(await a.command('RETR x', /\r\n$/)).toMatch(/^-ERR A message number is needed/);
    expect(await a.command('FROB', /\r\n$/)).toMatch(/^-ERR Unknown command "FROB"/);

    const b = await RawClient.open(lab.port('pop3'));
    await b.until(/^\+OK .*\r\n/);
    const auth = Buffer.from('\0carol@otherdomain.com\0secret').toString('base64');
    await b.command('AUTH PLAIN', /^\+ \r\n/);
    expect(await b.command(auth, /\r\n$/)).toMatch(/^-ERR \[IN-USE\]/);
    await a.command('QUIT', /^\+OK/);
    await a.waitClosed();
    expect(await b.command(`AUTH PLAIN ${auth}`, /\r\n$/)).toMatch(/^\+OK Logged in/);
    b.close();
  });

  it('refuses AUTH PLAIN with an authorization identity other than the user (RFC 4616 §2)', async () => {
    const c = await RawClient.open(lab.port('pop3'));
    await c.until(/^\+OK .*\r\n/);
    const asAlice = Buffer.from('alice@example.com\0bob@example.com\0secret').toString('base64');
    expect(await c.command(`AUTH PLAIN ${asAlice}`, /\r\n$/)).toMatch(/^-ERR \[AUTH\] You may only authorize as yourself/);
    // Naming oneself is allowed, in any case.
    const asSelf = Buffer.from('BOB@example.com\0bob@example.com\0secret').toString('base64');
    expect(await c.command(`AUTH PLAIN ${asSelf}`, /\r\n$/)).toMatch(/^\+OK Logged in as bob@example\.com/);
    await c.command('QUIT', /^\+OK/);
    c.close();
  });

  it('survives a 1 MB line, NUL bytes and binary junk, and keeps serving', async () => {
    const c = await RawClient.open(lab.port('pop3'));
    await c.until(/^\+OK .*\r\n/);
    c.send('A'.repeat(1024 * 1024) + '\r\n');
    expect(await c.until(/\r\n$/)).toMatch(/^-ERR Line too long/);
    expect(await c.command('USER\0alice', /\r\n$/)).toMatch(/^-ERR NUL bytes are not allowed/);
    c.send(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x0d, 0x0a]));
    expect(await c.until(/\r\n$/)).toMatch(/^-ERR /);
    await c.command('USER alice', /^\+OK/);
    expect(await c.command('PASS secret', /\r\n$/)).toMatch(/^\+OK Logged in/);
    expect(await c.command('STAT', /\r\n$/)).toMatch(/^\+OK \d+ \d+\r\n$/);
    await c.command('QUIT', /^\+OK/);
  });

  it('reads a command in any case, after blanks, with runs of spaces; a message number needs one space before it and nothing after (as Dovecot reads it)', async () => {
    const c = await RawClient.open(lab.port('pop3'));
    await c.until(/^\+OK .*\r\n/);
    expect(await c.command('  user \t alice@example.com  ', /\r\n$/)).toMatch(/^\+OK Send PASS/);
    expect(await c.command('PASS secret', /\r\n$/)).toMatch(/^\+OK Logged in as alice@example\.com/);
    const list = await c.command('LIST 1', /\r\n$/);
    expect(list).toMatch(/^\+OK 1 \d+\r\n$/);
    expect(await c.command(' LIST  1', /\r\n$/)).toBe(list);
    expect(await c.command('list 1', /\r\n$/)).toBe(list);
    const top = await c.command('TOP 1 0', /\r\n\.\r\n$/);
    expect(top).toMatch(/^\+OK Top of message follows\r\n/);
    expect(await c.command('top  1  0', /\r\n\.\r\n$/)).toBe(top);
    // RFC 1939 §3: one space between words. Dovecot refuses a tab ("Unknown command") and a trailing blank ("Noise after message number").
    expect(await c.command('list\t1', /\r\n$/)).toBe('-ERR LIST and its message number are separated by a tab: POP3 separates words with one space (RFC 1939). Try: LIST 1\r\n');
    expect(await c.command('top  1\t0', /\r\n$/)).toMatch(/^-ERR TOP and its numbers are separated by a tab: .* Try: TOP 1 0\r\n$/);
    expect(await c.command('RETR 1 ', /\r\n$/)).toBe('-ERR Noise after "1": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: RETR 1\r\n');
    expect(await c.command('STAT   ', /\r\n$/)).toMatch(/^\+OK \d+ \d+\r\n$/);
    await c.command('QUIT', /^\+OK/);
  });

  it('refuses more than one message number, as Dovecot does, and marks nothing: "DELE 1 2 3" deleted only message 1', async () => {
    const c = await RawClient.open(lab.port('pop3'));
    await c.until(/^\+OK .*\r\n/);
    await c.command('USER alice@example.com', /^\+OK/);
    await c.command('PASS secret', /^\+OK Logged in/);
    const before = await c.command('STAT', /\r\n$/);
    expect(await c.command('DELE 1 2 3', /\r\n$/)).toBe('-ERR DELE takes one message number, not 3 ("2" is one too many). Send one DELE per message: DELE 1, then DELE 2\r\n');
    expect(await c.command('STAT', /\r\n$/)).toBe(before);
    for (const verb of ['LIST', 'UIDL', 'RETR']) expect(await c.command(`${verb} 1 2`, /\r\n$/)).toMatch(new RegExp(`^-ERR ${verb} takes one message number`));
    await c.command('RSET', /^\+OK/);
    await c.command('QUIT', /^\+OK/);
    c.close();
  });

  it('counts at QUIT only the messages it removed, not those an IMAP session expunged meanwhile', async () => {
    const r = await python(
      `
import poplib, imaplib, smtplib
s = smtplib.SMTP('127.0.0.1', P['smtp'])
for i in range(2): s.sendmail('bob@example.com', ['carol@otherdomain.com'], 'Subject: n%d\\r\\n\\nhi\\r\\n' % i)
s.quit()
p = poplib.POP3('127.0.0.1', P['pop3'])
p.user('carol@otherdomain.com'); p.pass_('secret')
count = p.stat()[0]
m = imaplib.IMAP4('127.0.0.1', P['imap'])
m.login('carol@otherdomain.com', 'secret'); m.select('INBOX')
m.store(str(count), '+FLAGS', '(\\\\Deleted)'); m.expunge(); m.logout()
p.dele(count); p.dele(count - 1)
print(p.quit().decode())
`,
      { smtp: lab.port('smtp-otherdomain'), pop3: lab.port('pop3'), imap: lab.port('imap') },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\+OK .* signing off \(deleted: 1\)$/m);
  });

  it('refuses clear-text passwords everywhere with --require-tls-auth until STLS', async () => {
    const strict = await startTestLab({ requireTlsAuth: true });
    try {
      const c = await RawClient.open(strict.port('pop3'));
      await c.until(/^\+OK .*\r\n/);
      const capa = await c.command('CAPA', /\r\n\.\r\n$/);
      expect(capa).not.toContain('\r\nUSER\r\n');
      expect(capa).toContain('STLS');
      expect(await c.command('USER alice', /\r\n$/)).toMatch(/^-ERR \[AUTH\] Plaintext authentication is not allowed.*STLS/);
      c.close();
      const viaTls = await python(POP_SCRIPT, { port: strict.port('pop3'), stls: true, user: 'alice', password: 'secret' });
      expect(JSON.parse(viaTls.stdout).pass).toMatch(/^\+OK/);
    } finally {
      await strict.dispose();
    }
  });
});
