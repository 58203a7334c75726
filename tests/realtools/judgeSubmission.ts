/**
 * The real Postfix's verdict on a master.cf with submission services: the learner's master.cf
 * runs (inet services moved to loopback ports) with the exercise's main.cf, a certificate for
 * mail.example.com and a real Dovecot for AUTH, and real clients try each port: port 25 must
 * offer STARTTLS but no AUTH, 587 must refuse mail before STARTTLS and relay after AUTH only,
 * 465 must speak TLS from the first byte and relay after AUTH only.
 */
import { mailCert } from './certs.js';
import { runPostfix } from './postfix.js';
import type { Probe } from './smtpProbe.js';

const ALICE = { user: 'alice@example.com', password: 'secret' };
const AWAY = { from: 'alice@example.com', to: 'someone@gmail.com' };

export async function judgeSubmission(p: { given: string; table?: string[] }, answer: string, dovecotAuth: string): Promise<string[]> {
  const cert = await mailCert();
  const probes: Probe[] = [
    { service: 'smtp', ip: '203.0.113.5', from: 'someone@example.net', to: 'bob@example.com' },
    { service: 'submission', ip: '203.0.113.5', ...AWAY },
    { service: 'submission', ip: '203.0.113.5', tls: 'starttls', auth: ALICE, ...AWAY },
    { service: 'submission', ip: '203.0.113.5', tls: 'starttls', ...AWAY },
    { service: 'submission', ip: '203.0.113.5', tls: 'starttls', from: 'someone@example.net', to: 'bob@example.com' },
    { service: 'submissions', ip: '203.0.113.5', tls: 'implicit', auth: ALICE, ...AWAY },
    { service: 'submissions', ip: '203.0.113.5', tls: 'implicit', ...AWAY },
    { service: 'submissions', ip: '203.0.113.5', tls: 'implicit', from: 'someone@example.net', to: 'bob@example.com' },
  ];
  const run = await runPostfix({
    mainCf: p.given,
    masterCf: answer,
    files: [
      { path: '/etc/ssl/mail/fullchain.pem', text: cert.fullchain },
      { path: '/etc/ssl/mail/privkey.pem', text: cert.key },
      ...(p.table ? [{ path: '/etc/postfix/vmailbox', text: p.table.join('\n'), postmap: true }] : []),
    ],
    probes,
    dovecotAuth,
  });
  const reasons: string[] = [];
  if (run.postconf.code !== 0) reasons.push(`postconf refuses the files: ${run.postconf.messages.join(' | ')}`);
  for (const l of run.log.filter((x) => /fatal:|unknown smtpd restriction/.test(x))) reasons.push(`mail log: ${l.replace(/^.*?postfix\//, 'postfix/')}`);
  const [mx, plain, auth587, anon587, inbound587, auth465, anon465, inbound465] = run.probes;
  const ok = (reply: string | undefined): boolean => !!reply && reply.startsWith('250');
  if (!mx || !/STARTTLS/.test(mx.firstEhlo)) reasons.push(`port 25 does not offer STARTTLS: ${mx?.firstEhlo || mx?.rcpt || 'no answer'}`);
  if (mx && /AUTH/.test(mx.firstEhlo)) reasons.push('port 25 offers AUTH');
  if (mx && !ok(mx.rcpt)) reasons.push(`port 25 refuses mail for bob@example.com: ${mx.rcpt}`);
  if (!plain || ok(plain.rcpt) || /AUTH/.test(plain.firstEhlo) || !/STARTTLS/.test(plain.firstEhlo)) reasons.push(`port 587 before STARTTLS: EHLO "${plain?.firstEhlo ?? ''}", mail ${plain?.rcpt ?? 'no answer'} (STARTTLS must be offered, AUTH not yet, mail refused)`);
  if (!ok(auth587?.rcpt)) reasons.push(`port 587 after STARTTLS and AUTH: ${auth587?.rcpt ?? 'no answer'}`);
  if (!anon587 || ok(anon587.rcpt)) reasons.push(`port 587 relays without AUTH: ${anon587?.rcpt ?? 'no answer'}`);
  if (!inbound587 || ok(inbound587.rcpt)) reasons.push(`port 587 takes mail from a client that did not log in: ${inbound587?.rcpt ?? 'no answer'}`);
  if (!ok(auth465?.rcpt)) reasons.push(`port 465 with TLS and AUTH: ${auth465?.rcpt ?? 'no answer'}`);
  if (!anon465 || ok(anon465.rcpt)) reasons.push(`port 465 relays without AUTH: ${anon465?.rcpt ?? 'no answer'}`);
  if (!inbound465 || ok(inbound465.rcpt)) reasons.push(`port 465 takes mail from a client that did not log in: ${inbound465?.rcpt ?? 'no answer'}`);
  return reasons;
}
