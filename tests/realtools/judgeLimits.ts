/**
 * The real Postfix's verdict on the limits: EHLO must announce the asked SIZE and a delivery
 * must still work (virtual(8) stops when a mailbox is smaller than the largest message);
 * anvil must start refusing the message after the asked number in one minute; a logged-in
 * user must be refused a sender address the login table does not give them.
 */
import { LineClient, NO_REPLY } from './lineClient.js';
import { runPostfix } from './postfix.js';

interface Params {
  given?: string;
  table?: string[];
  loginTable?: string[];
  loginMaps: string;
  size: number;
  connectionRate: number;
  messageRate: number;
}

/** One client sending MAIL FROM again and again; the reply to the n-th and the (n+1)-th. */
async function messageRate(port: number, n: number, giveUp: Promise<string>): Promise<string[]> {
  const c = await LineClient.connect(port);
  try {
    // An smtpd that died on the answer says nothing: waiting out each of 2n replies took 11 minutes.
    const greeting = c.closeOn(giveUp);
    const greeted = await c.smtpReply();
    greeting.disarm();
    if (greeted === NO_REPLY) return [NO_REPLY, NO_REPLY];
    c.write('EHLO judge.example');
    await c.smtpReply();
    c.write('XCLIENT ADDR=198.51.100.99 NAME=[UNAVAILABLE]');
    await c.smtpReply();
    c.write('EHLO busy.example');
    await c.smtpReply();
    const replies: string[] = [];
    for (let i = 1; i <= n + 1; i++) {
      c.write('MAIL FROM:<someone@example.net>');
      const r = await c.smtpReply();
      if (r === NO_REPLY) return [NO_REPLY, NO_REPLY];
      if (i >= n) replies.push(r);
      c.write('RSET');
      await c.smtpReply();
    }
    return replies;
  } finally {
    c.close();
  }
}

export async function judgeLimits(p: Params, answer: string, dovecotAuth: string): Promise<string[]> {
  const files = [
    ...(p.table ? [{ path: '/etc/postfix/vmailbox', text: p.table.join('\n'), postmap: true }] : []),
    { path: p.loginMaps.slice(p.loginMaps.indexOf(':') + 1), text: (p.loginTable ?? []).join('\n'), postmap: true },
  ];
  const run = await runPostfix({
    mainCf: `${p.given ?? ''}\n${answer}`,
    // Logins happen on the submission service, the only one with AUTH, as on the exercise's server.
    masterCf: 'smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes',
    dovecotAuth,
    files,
    probes: [
      { service: 'submission', ip: '203.0.113.5', login: 'alice@example.com', from: 'bob@example.com', to: 'carol@otherdomain.com' },
      { service: 'submission', ip: '203.0.113.5', login: 'alice@example.com', from: 'alice@example.com', to: 'carol@otherdomain.com' },
      { ip: '203.0.113.5', from: 'someone@example.net', to: 'alice@example.com', data: 'Subject: limits\n\nStill delivered.' },
    ],
    custom: (portOf, giveUp) => messageRate(portOf('smtp'), p.messageRate, giveUp('smtp')),
    expand: ['smtpd_client_connection_rate_limit', 'anvil_rate_time_unit'],
    settle: 8,
  });
  const reasons: string[] = [];
  if (run.postconf.code !== 0) reasons.push(`postconf refuses main.cf: ${run.postconf.messages.join(' | ')}`);
  for (const l of run.log.filter((x) => /fatal:|unknown smtpd restriction/.test(x))) reasons.push(`mail log: ${l.replace(/^.*?postfix\//, 'postfix/')}`);
  const [asBob, asAlice, inbound] = run.probes;
  const size = /SIZE (\d+)/.exec(asBob?.ehlo ?? '')?.[1];
  if (size !== String(p.size)) reasons.push(`EHLO announces SIZE ${size ?? '(none)'}, not ${p.size}`);
  if (!asBob || asBob.rcpt.startsWith('250')) reasons.push(`alice, logged in, may send as bob@example.com: ${asBob?.rcpt ?? 'no answer'}`);
  if (!asAlice?.rcpt.startsWith('250')) reasons.push(`alice, logged in, may not send as herself: ${asAlice?.rcpt ?? 'no answer'}`);
  if (!inbound?.rcpt.startsWith('250') || !run.delivered.some((f) => f.includes('/example.com/alice/'))) reasons.push(`a message for alice is not delivered: ${run.log.filter((l) => /status=|fatal/.test(l)).join(' | ') || inbound?.rcpt}`);
  const [nth, over] = run.custom;
  if (!nth?.startsWith('250')) reasons.push(`message ${p.messageRate} of a minute is refused: ${nth}`);
  if (!over || over.startsWith('250')) reasons.push(`message ${p.messageRate + 1} of a minute is still accepted: ${over}`);
  if (run.expanded.smtpd_client_connection_rate_limit !== String(p.connectionRate)) reasons.push(`postconf: smtpd_client_connection_rate_limit = ${run.expanded.smtpd_client_connection_rate_limit}`);
  if (!/^(60s?|1m)$/.test(run.expanded.anvil_rate_time_unit ?? '')) reasons.push(`postconf: anvil_rate_time_unit = ${run.expanded.anvil_rate_time_unit}`);
  return reasons;
}
