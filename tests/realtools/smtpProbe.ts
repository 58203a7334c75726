/**
 * One SMTP conversation with a judge's Postfix, as a careful client would have it: greeting,
 * EHLO, STARTTLS or TLS from the first byte, XCLIENT to set the client's address and SASL
 * login as a real connection would have them, AUTH, MAIL FROM, RCPT TO and, if asked, a
 * message; it stops at the first refusal and keeps every reply.
 */
import { LineClient } from './lineClient.js';

export interface Probe {
  /** The connecting client, as XCLIENT sets it (none: the judge's own loopback address). */
  ip?: string;
  /** A SASL login name (XCLIENT LOGIN=), as if the client had authenticated. */
  login?: string;
  /** A real AUTH PLAIN exchange instead (checks the SASL path end to end). */
  auth?: { user: string; password: string };
  /** TLS from the first byte, or STARTTLS after the first EHLO. */
  tls?: 'implicit' | 'starttls';
  /** Offer at most this (old) protocol version. */
  tlsMax?: 'TLSv1.1';
  from: string;
  to: string;
  /** Send a message after RCPT TO. */
  data?: string;
  /** Which listener to talk to (a master.cf service name); the judge's own smtpd by default. */
  service?: string;
}

export interface ProbeResult extends Probe {
  /** Every reply, in order, e.g. "250 2.1.5 Ok". */
  replies: string[];
  /** The RCPT TO reply (or the first reply that ended the conversation). */
  rcpt: string;
  /** The EHLO reply the client saw before MAIL FROM (its capabilities). */
  ehlo: string;
  /** The EHLO reply before any TLS. */
  firstEhlo: string;
  /** Once encrypted: the certificate's common name. */
  peer?: string;
}

/**
 * One SMTP conversation, as a careful client would have it; it stops at the first refusal.
 * `giveUp`: a sign that the service's daemon stopped at its start (postfixLog.ts), which ends
 * the wait for the greeting as the time limit would have, with no reply.
 */
export async function converse(port: number, probe: Probe, giveUp?: Promise<string>): Promise<ProbeResult> {
  const replies: string[] = [];
  const result: ProbeResult = { ...probe, replies, rcpt: '', ehlo: '', firstEhlo: '' };
  let client: LineClient;
  try {
    client = await LineClient.connect(port, { tls: probe.tls === 'implicit', ...(giveUp ? { giveUp } : {}) });
  } catch (err) {
    return { ...result, rcpt: `(no connection: ${(err as Error).message})` };
  }
  const say = async (command: string | undefined): Promise<string> => {
    if (command !== undefined) client.write(command);
    const reply = await client.smtpReply();
    replies.push(reply);
    return reply;
  };
  const refused = (reply: string): boolean => !/^[23]\d\d/.test(reply);
  if (client.peer) result.peer = client.peer;
  try {
    const greeting = client.closeOn(giveUp ?? new Promise(() => undefined));
    const greeted = await say(undefined);
    greeting.disarm();
    if (refused(greeted)) return { ...result, rcpt: replies[0]! };
    result.ehlo = result.firstEhlo = await say('EHLO judge.example');
    if (probe.tls === 'starttls') {
      const go = await say('STARTTLS');
      if (refused(go) || !(await client.startTls(probe.tlsMax ? { maxVersion: probe.tlsMax } : {}))) return { ...result, rcpt: `${go} (then no TLS handshake)` };
      if (client.peer) result.peer = client.peer;
      result.ehlo = await say('EHLO judge.example');
    }
    if (probe.ip) {
      const xclient = [`ADDR=${probe.ip}`, 'NAME=[UNAVAILABLE]', ...(probe.login ? [`LOGIN=${probe.login}`] : [])].join(' ');
      if (refused(await say(`XCLIENT ${xclient}`))) return { ...result, rcpt: replies[replies.length - 1]! };
      result.ehlo = await say('EHLO client.example');
    }
    if (probe.auth) {
      const authed = await say(`AUTH PLAIN ${Buffer.from(`\0${probe.auth.user}\0${probe.auth.password}`).toString('base64')}`);
      if (refused(authed)) return { ...result, rcpt: authed };
    }
    const mail = await say(`MAIL FROM:<${probe.from}>`);
    if (refused(mail)) return { ...result, rcpt: mail };
    result.rcpt = await say(`RCPT TO:<${probe.to}>`);
    if (probe.data !== undefined && !refused(result.rcpt) && !refused(await say('DATA'))) await say(`${probe.data.replace(/\r?\n/g, '\r\n')}\r\n.`);
    await say('QUIT');
    return result;
  } finally {
    client.close();
  }
}

/** A service's loopback port, by name ("submission") or by its standard port ("587"). */
export function portOf(ports: Map<string, number>, service: string): number {
  const standard: Record<string, string> = { smtp: '25', submission: '587', submissions: '465' };
  return ports.get(service) ?? ports.get(standard[service] ?? '') ?? 1;
}
