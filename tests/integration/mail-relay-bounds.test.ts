/**
 * What the mail world's relay never does: open a socket to anything outside the lab (an MX or
 * address on the Internet, or an MX that loops back), or try more MX hosts and hold more
 * sessions per delivery than Postfix's smtp_mx_address_limit and smtp_mx_session_limit allow.
 */
import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { useMailWorld } from '../helpers/mailWorld.js';
import { NET } from '../helpers/network.js';
import { api, editZone, submit } from '../helpers/world.js';

const mail = useMailWorld();

describe('nothing leaves the lab', () => {
  it('bounces mail whose MX or address lies outside the lab without opening a socket to it', async () => {
    // A spy, not a mock: every socket this process opens still opens, and is recorded.
    const spy = vi.spyOn(net.Socket.prototype, 'connect');
    const calls: unknown[][] = [];
    let refusedWithout = -1;
    // The test's own calls to the lab's web API are not the lab's doing.
    const notTheTestsOwn = (args: unknown[]): boolean => !JSON.stringify(args[0] && typeof args[0] === 'object' ? args[0] : args.slice(0, 2)).includes(String(mail.lab.httpPort));
    const otherPort = mail.lab.port('smtp-otherdomain');
    const receivedBefore = mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length;
    try {
      // An MX host whose name is in no lab zone ...
      await editZone(mail.lab, 'otherdomain.com', (t) => t.replace('@       IN MX 10 mail.otherdomain.com.', '@       IN MX 10 aspmx.l.google.com.'));
      await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'to google' });
      expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/dsn=5\.4\.6, status=bounced \(Host or domain name not found\. aspmx\.l\.google\.com is outside the lab: MailLab never sends mail beyond this machine\)/);
      // ... and a lab name pointing at an Internet address.
      await api(mail.lab, 'POST', '/api/zones/otherdomain.com/restore');
      await editZone(mail.lab, 'otherdomain.com', (t) => t.replace(`mail    IN A    ${NET.other}`, 'mail    IN A    8.8.8.8'));
      await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'to 8.8.8.8' });
      expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(
        /dsn=5\.4\.6, status=bounced \(refused to connect to mail\.otherdomain\.com\[8\.8\.8\.8\]:25: 8\.8\.8\.8 is outside the lab network 192\.0\.2\.0\/24 \(MailLab never sends mail beyond this machine\)\)/,
      );
      // ... and an MX pointing back at the sender.
      await api(mail.lab, 'POST', '/api/zones/otherdomain.com/restore');
      await editZone(mail.lab, 'otherdomain.com', (t) => t.replace('@       IN MX 10 mail.otherdomain.com.', '@       IN MX 10 mail.example.com.'));
      await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'loop' });
      expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/dsn=5\.4\.6, status=bounced \(mail for otherdomain\.com loops back to myself\)/);
      await mail.log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
      refusedWithout = spy.mock.calls.filter(notTheTestsOwn).length;
      // A control: a route inside the lab does open a socket, and the spy sees it.
      await api(mail.lab, 'POST', '/api/zones/otherdomain.com/restore');
      await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'inside the lab' });
      expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    } finally {
      calls.push(...spy.mock.calls.filter(notTheTestsOwn));
      spy.mockRestore();
    }
    // While the three messages were refused, the lab opened no socket at all ...
    expect(refusedWithout).toBe(0);
    expect(mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/)).toHaveLength(receivedBefore + 1);
    // ... and the one it opened afterwards went to mail.otherdomain.com's listener on loopback.
    expect(calls.map((args) => args.slice(0, 2))).toEqual([[otherPort, '127.0.0.1']]);
  });
});

describe('a domain with many MX hosts', () => {
  const MX = '@       IN MX 10 mail.otherdomain.com.';
  const lastVerdict = /postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/;

  /** Twelve MX hosts (all mail.otherdomain.com's listener) and a fault armed on it; resolves to the connections one delivery made. */
  async function deliverToTwelve(fault: object, verdict: RegExp): Promise<number> {
    const hosts = Array.from({ length: 12 }, (_, i) => `mx${i + 1}`);
    const saved = await editZone(mail.lab, 'otherdomain.com', (t) => t.replace(MX, hosts.map((h) => `@       IN MX 10 ${h}.otherdomain.com.\n${h}     IN A    ${NET.other}`).join('\n')));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await api(mail.lab, 'PUT', '/api/faults', { faults: [fault] })).status).toBe(200);
    let connects: number;
    try {
      const before = mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length;
      await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'many MX' });
      expect(await mail.log.next(lastVerdict)).toMatch(verdict);
      connects = mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length - before;
    } finally {
      await api(mail.lab, 'PUT', '/api/faults', { faults: [] });
    }
    // Disarmed, the deferred message goes out (and its line is not taken for the next test's).
    await api(mail.lab, 'POST', '/api/queue/flush');
    expect(await mail.log.next(lastVerdict)).toMatch(/status=sent/);
    return connects;
  }

  it('holds at most two SMTP sessions per delivery with hosts that drop it after EHLO (smtp_mx_session_limit)', async () => {
    const connects = await deliverToTwelve({ kind: 'drop', host: 'mail.otherdomain.com', step: 'mail' }, /status=deferred \(lost connection with mx\d+\.otherdomain\.com\[192\.0\.2\.200\] while sending MAIL FROM\)/);
    expect(connects).toBe(2);
  });

  it('does not count hosts that greet with 421 as sessions, as Postfix does not: five addresses are tried (smtp_mx_address_limit)', async () => {
    const connects = await deliverToTwelve({ kind: 'reply', host: 'mail.otherdomain.com', step: 'greeting', code: 421 }, /status=deferred \(host mx\d+\.otherdomain\.com\[192\.0\.2\.200\] said: 421 /);
    expect(connects).toBe(5);
  });

  it('tries at most five addresses in preference order and does not look further (smtp_mx_address_limit)', async () => {
    // Five better MX hosts at lab addresses where no mail server listens, then the real one.
    const dead = [50, 51, 52, 53, 54].map((n, i) => `@       IN MX 5 dead${i}.otherdomain.com.\ndead${i}   IN A    ${NET.at(n)}`);
    const saved = await editZone(mail.lab, 'otherdomain.com', (t) => t.replace(MX, [...dead, '@       IN MX 20 mail.otherdomain.com.'].join('\n')));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const before = mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length;
    await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'past the limit' });
    expect(await mail.log.next(lastVerdict)).toMatch(/status=deferred \(connect to dead\d\.otherdomain\.com\[192\.0\.2\.5\d\]:25: Connection refused\)/);
    expect(mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length).toBe(before);
    // With one dead host fewer, the real one is within the limit and gets the mail.
    await editZone(mail.lab, 'otherdomain.com', (t) => t.replace(/^@\s+IN MX 5 dead0\.otherdomain\.com\.$/m, ''));
    await api(mail.lab, 'POST', '/api/queue/flush');
    expect(await mail.log.next(lastVerdict)).toMatch(/relay=mail\.otherdomain\.com\[192\.0\.2\.200\]:25, .*status=sent/);
  });
});
