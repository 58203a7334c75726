/**
 * ssl_min_protocol as the real Dovecot 2.3 reads it, against the dovecot-tls grader: each value
 * is given to a Dovecot listening for implicit TLS, and clients of TLS 1.0 to 1.3 try it (both
 * sides at OpenSSL's security level 0 for the test, so the old protocols are refused by Dovecot's
 * floor alone). Dovecot reads the name in any case and knows LATEST; any other word leaves no TLS
 * at all. The grader once said "allows protocols older than TLS 1.2" for "TLSv1.2 # note" in
 * quotes (Dovecot: "Unknown ssl_min_protocol setting"), tlsv1.2 and LATEST.
 */
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { gradeDovecotTls } from '../../lab-server/src/grading/config/tls.js';
import { mailCert } from '../realtools/certs.js';
import { judgeSettings, startDovecot } from '../realtools/dovecot.js';
import { freePort } from '../realtools/postfix.js';
import { inPool } from '../realtools/process.js';

const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/** Which protocol versions a Dovecot with this ssl_min_protocol completes a handshake in. */
async function versionsTaken(floor: string): Promise<string[]> {
  const cert = await mailCert();
  const port = await freePort();
  const lines = [judgeSettings('DIR', { listen: true }), 'protocols = imap', 'ssl_cert = <DIR/cert.pem', 'ssl_key = <DIR/key.pem', `ssl_min_protocol = ${floor}`, 'ssl_cipher_list = DEFAULT:@SECLEVEL=0'];
  // An auth process that starts: without a passdb it dies at once ("No passdbs specified"), and
  // imap-login then drops the connection it is handshaking ("Auth process broken"), so a TLS 1.1
  // the floor allows was now and then counted as refused (1 run in 4 once judges stopped at once).
  const auth = ['passdb {', '  driver = static', '  args = nopassword=y', '}', 'userdb {', '  driver = static', '  args = uid=nobody gid=nogroup', '}'];
  const listeners = ['service imap-login {', '  inet_listener imap {', '    port = 0', '  }', '  inet_listener imaps {', '    address = 127.0.0.1', `    port = ${port}`, '  }', '}', ''];
  const dovecot = await startDovecot((dir) => [...lines, ...auth, ...listeners].join('\n').replaceAll('DIR', dir), [
    { path: 'cert.pem', text: cert.fullchain },
    { path: 'key.pem', text: cert.key },
  ]);
  try {
    const taken: string[] = [];
    for (const version of VERSIONS) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0', rejectUnauthorized: false }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
        socket.setTimeout(20_000, () => socket.destroy(new Error('timeout')));
      });
      if (ok) taken.push(version);
    }
    return taken;
  } finally {
    await dovecot.stop();
  }
}

const SOLUTION = ['ssl = required', 'ssl_cert = </etc/ssl/mail/fullchain.pem', 'ssl_key = </etc/ssl/mail/privkey.pem'];
const PARAMS = { cert: '/etc/ssl/mail/fullchain.pem', key: '/etc/ssl/mail/privkey.pem' };

describe('ssl_min_protocol, Dovecot and the dovecot-tls grader', () => {
  it('agree on every value: old protocols let in, none, or TLS 1.2 and newer only', { timeout: 240_000 }, async () => {
    const values = ['TLSv1.2', 'tlsv1.2', 'TLSv1.3', 'LATEST', 'latest', 'TLSv1', 'tlsv1.1', 'SSLv3', 'ANY', '"TLSv1.2 # note"', 'TLSv1.2,', 'TLS1.2'];
    const verdicts = await inPool(values, 2, async (value) => {
      const taken = await versionsTaken(value);
      const tool = taken.length === 0 ? 'no TLS' : taken.includes('TLSv1') || taken.includes('TLSv1.1') ? 'old protocols' : 'TLS 1.2 and newer';
      const codes = (await gradeDovecotTls([...SOLUTION, `ssl_min_protocol = ${value}`].join('\n'), PARAMS)).filter((l) => l.level === 'error').map((l) => l.code);
      const grader = codes.includes('dovecot.unknown-protocol') ? 'no TLS' : codes.includes('dovecot.old-protocols') ? 'old protocols' : codes.length === 0 ? 'TLS 1.2 and newer' : codes.join(',');
      return `${value}: Dovecot ${tool}, grader ${grader}`;
    });
    expect(verdicts.filter((v) => !/Dovecot (.*), grader \1$/.test(v))).toEqual([]);
    // Each verdict happens: the test is no test of one kind of value.
    for (const kind of ['no TLS', 'old protocols', 'TLS 1.2 and newer']) expect(verdicts.some((v) => v.endsWith(`grader ${kind}`)), kind).toBe(true);
  });

  it('say what Dovecot sees when a note stands inside the quotes, and what to write, in both languages', async () => {
    const lines = await gradeDovecotTls([...SOLUTION, 'ssl_min_protocol = "TLSv1.2 # note"'].join('\n'), PARAMS);
    const line = lines.find((l) => l.code === 'dovecot.unknown-protocol')!;
    expect(line.message.en).toMatch(/Dovecot reads ssl_min_protocol as "TLSv1\.2 # note" \(inside quotes "#" starts no comment.*Unknown ssl_min_protocol setting 'TLSv1\.2 # note'/);
    expect(line.message.en).not.toMatch(/older than TLS 1\.2/);
    expect(line.message['zh-CN']).toMatch(/注释成了值的一部分/);
    expect(line.hint!.en).toMatch(/ssl_min_protocol = TLSv1\.2", with the note on a line of its own/);
    expect(line.hint!['zh-CN']).toMatch(/注释单独写一行/);
  });
});
