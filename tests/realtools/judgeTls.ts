/**
 * The real servers' verdict on TLS answers. Postfix: port 25 must offer STARTTLS with the
 * certificate for mail.example.com yet still take mail in clear, and refuse a TLS 1.1
 * handshake; postconf must report TLS for sending. Dovecot: started with the learner's file
 * on loopback ports, it must refuse a clear-text login from another address, accept one after
 * STARTTLS/STLS and on 993/995, present the certificate, and refuse TLS 1.1.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mailCert } from './certs.js';
import { doveconf, judgeSettings, LAB_USERS, labUserDatabases, startDovecot } from './dovecot.js';
import { LineClient } from './lineClient.js';
import { freePort, relocate, runPostfix } from './postfix.js';

const CN = 'mail.example.com';

async function certFiles() {
  const cert = await mailCert();
  return [
    { path: '/etc/ssl/mail/fullchain.pem', text: cert.fullchain },
    { path: '/etc/ssl/mail/privkey.pem', text: cert.key },
  ];
}

export async function judgePostfixTls(p: { given?: string; table?: string[] }, answer: string): Promise<string[]> {
  const to = { ip: '203.0.113.5', from: 'someone@example.net', to: 'bob@example.com' };
  const run = await runPostfix({
    mainCf: `${p.given ?? ''}\n${answer}`,
    files: [...(await certFiles()), ...(p.table ? [{ path: '/etc/postfix/vmailbox', text: p.table.join('\n'), postmap: true }] : [])],
    probes: [to, { ...to, tls: 'starttls' }, { ...to, tls: 'starttls', tlsMax: 'TLSv1.1' }],
    expand: ['smtp_tls_security_level', 'smtp_use_tls'],
  });
  const reasons: string[] = [];
  if (run.postconf.code !== 0) reasons.push(`postconf refuses main.cf: ${run.postconf.messages.join(' | ')}`);
  const [plain, tls, old] = run.probes;
  if (!plain || !/STARTTLS/.test(plain.firstEhlo)) reasons.push(`port 25 does not offer STARTTLS: ${plain?.firstEhlo || plain?.rcpt || 'no answer'}`);
  if (!plain?.rcpt.startsWith('250')) reasons.push(`port 25 refuses mail without TLS: ${plain?.rcpt ?? 'no answer'}`);
  if (!tls?.rcpt.startsWith('250') || tls.peer !== CN) reasons.push(`STARTTLS on port 25: ${tls?.rcpt ?? 'no answer'}, certificate ${tls?.peer ?? 'none'}`);
  if (old && !/no TLS handshake/.test(old.rcpt)) reasons.push(`a TLS 1.1 handshake on port 25 succeeds: ${old.rcpt}`);
  // Postfix reads the level in any case (tls_level_lookup: name_code without NAME_CODE_FLAG_STRICT_CASE, strcasecmp).
  const sending = (run.expanded.smtp_tls_security_level ?? '').toLowerCase() || ((run.expanded.smtp_use_tls ?? '').toLowerCase() === 'yes' ? 'may' : 'none');
  if (!['may', 'dane'].includes(sending)) reasons.push(`postconf: smtp_tls_security_level = ${sending || '(empty)'}: sending without opportunistic TLS`);
  return reasons;
}

interface Ports {
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
}

/** One IMAP or POP3 login: over TLS from the start, after STARTTLS/STLS, or in clear. */
async function login(port: number, protocol: 'imap' | 'pop3', how: 'implicit' | 'upgrade' | 'clear', maxVersion?: 'TLSv1.1'): Promise<{ ok: boolean; said: string; peer?: string }> {
  let c: LineClient;
  try {
    // From 127.0.0.2: Dovecot treats a client on its own address as secured.
    c = await LineClient.connect(port, { tls: how === 'implicit', from: '127.0.0.2', ...(maxVersion ? { maxVersion } : {}) });
  } catch (err) {
    return { ok: false, said: `no connection: ${(err as Error).message.split('\n')[0]}` };
  }
  try {
    const greeting = await c.readLine();
    if (!greeting) return { ok: false, said: 'no greeting' };
    if (how === 'upgrade') {
      c.write(protocol === 'imap' ? 's1 STARTTLS' : 'STLS');
      const go = protocol === 'imap' ? await c.imapReply('s1') : ((await c.readLine()) ?? '');
      if (!/(^|\| )s1 OK|^\+OK/.test(go) || !(await c.startTls())) return { ok: false, said: `STARTTLS: ${go}` };
    }
    if (protocol === 'imap') {
      c.write('a1 LOGIN alice@example.com secret');
      const r = await c.imapReply('a1');
      return { ok: /(^|\| )a1 OK/.test(r), said: r, ...(c.peer ? { peer: c.peer } : {}) };
    }
    c.write('USER alice@example.com');
    const user = (await c.readLine()) ?? '';
    if (!user.startsWith('+OK')) return { ok: false, said: user };
    c.write('PASS secret');
    const pass = (await c.readLine()) ?? '';
    return { ok: pass.startsWith('+OK'), said: pass, ...(c.peer ? { peer: c.peer } : {}) };
  } finally {
    c.close();
  }
}

export async function judgeDovecotTls(_p: unknown, answer: string): Promise<string[]> {
  const checked = await doveconf(`${relocate(answer, '/tmp/unused')}\n${judgeSettings('/tmp/unused', { listen: true })}\n`);
  if (checked.code !== 0) return [`doveconf refuses it: ${checked.stderr.trim()}`];
  const ports: Ports = { imap: await freePort(), imaps: await freePort(), pop3: await freePort(), pop3s: await freePort() };
  const listener = (service: string, name: string, port: number): string[] => [`service ${service} {`, `  inet_listener ${name} {`, '    address = 127.0.0.1', `    port = ${port}`, '  }', '}'];
  const instance = await startDovecot(
    (dir) =>
      [
        'protocols = imap pop3',
        relocate(answer, dir),
        judgeSettings(dir, { listen: true }),
        labUserDatabases(dir),
        `mail_location = maildir:${dir}/home/%d/%n/Maildir`,
        // The judge's ports, later in the file so they win over the defaults and the answer's.
        ...listener('imap-login', 'imap', ports.imap),
        ...listener('imap-login', 'imaps', ports.imaps),
        ...listener('pop3-login', 'pop3', ports.pop3),
        ...listener('pop3-login', 'pop3s', ports.pop3s),
        '',
      ].join('\n'),
    await certFiles().then((files) => files.map((f) => ({ path: f.path.replace('/etc/ssl', 'ssl'), text: f.text }))),
  );
  try {
    await writeFile(join(instance.dir, 'users'), LAB_USERS.map((u) => `${u}:{PLAIN}secret`).join('\n') + '\n');
    const reasons: string[] = [];
    const tries = [
      ['IMAP 143 in clear', await login(ports.imap, 'imap', 'clear'), false],
      ['IMAP 143 after STARTTLS', await login(ports.imap, 'imap', 'upgrade'), true],
      ['IMAPS 993', await login(ports.imaps, 'imap', 'implicit'), true],
      ['POP3 110 in clear', await login(ports.pop3, 'pop3', 'clear'), false],
      ['POP3 110 after STLS', await login(ports.pop3, 'pop3', 'upgrade'), true],
      ['POP3S 995', await login(ports.pop3s, 'pop3', 'implicit'), true],
      ['IMAPS 993 with TLS 1.1', await login(ports.imaps, 'imap', 'implicit', 'TLSv1.1'), false],
    ] as const;
    // This machine's OpenSSL refuses TLS 1.1 even when Dovecot would allow it: ask Dovecot too.
    // Dovecot reads the floor in any case, LATEST being TLS 1.3 (a TLS 1.2 client is refused with tlsv1.3 or latest).
    const floor = (await instance.doveconfValue('ssl_min_protocol')) ?? '';
    if (!/^(TLSv1\.[23]|LATEST)$/i.test(floor)) reasons.push(`doveconf: ssl_min_protocol = ${floor}: Dovecot accepts protocols older than TLS 1.2 where OpenSSL lets it`);
    for (const [what, got, wanted] of tries) {
      if (got.ok !== wanted) reasons.push(`${what}: login ${got.ok ? 'accepted' : 'refused'} (${got.said.slice(0, 160)})`);
      else if (wanted && got.peer !== CN) reasons.push(`${what}: the certificate presented is ${got.peer ?? 'none'}`);
    }
    if (reasons.length) {
      const log = await readFile(join(instance.dir, 'dovecot.log'), 'utf8').catch(() => '');
      reasons.push(`dovecot log: ${log.split('\n').filter((l) => /Error|Fatal/.test(l)).slice(0, 2).join(' | ') || 'no errors'}`);
    }
    return reasons;
  } finally {
    await instance.stop();
  }
}
