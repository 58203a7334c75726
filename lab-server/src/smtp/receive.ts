/**
 * What a lab MTA does with a message that arrives on its port 25 (smtpd, then the milters,
 * then virtual delivery): check SPF, DKIM and DMARC against the sandbox's lab DNS, put the
 * trace headers and Authentication-Results: on top, and deliver to each recipient's INBOX —
 * or to Junk when DMARC fails under p=quarantine, or nowhere, with 550, under p=reject. The
 * DMARC policy is applied to mail relayed by another lab server; the learner's own machine
 * (a direct connection) is trusted like Postfix's mynetworks: checked, reported, not refused.
 */
import type { Mta } from '../mta/mta.js';
import type { MailWorld } from '../mta/mailWorld.js';
import { newQueueId } from '../mta/queue.js';
import { OverQuota } from '../quota/usage.js';
import { saveAuthReport, type AuthOutcome } from '../world/authReports.js';
import type { Sandbox } from '../world/sandbox.js';
import { text } from '../grading/feedback.js';
import { checkSenderAuthentication } from './authCheck.js';
import { deliverToMailboxes } from './delivery.js';
import { headerValue } from './headers.js';
import { quotaReply } from './quotaReply.js';

export interface Arrival {
  sandbox: Sandbox;
  /** The receiving MTA. */
  mta: Mta;
  world: MailWorld;
  message: Buffer;
  envelopeFrom: string;
  recipients: string[];
  helo: string;
  client: { address: string; hostname: string; labServer: boolean };
  transmissionType: string;
  tlsCipher?: string;
}

export type ReceiveResult = { accepted: true; queueId: string; size: number } | { accepted: false; queueId: string; code: number; text: string };

export async function receiveMessage(a: Arrival): Promise<ReceiveResult> {
  const started = Date.now();
  const queueId = newQueueId();
  const host = a.mta.identity.host;
  const client = `${a.client.hostname || 'unknown'}[${a.client.address}]`;
  a.mta.log.write('smtpd', `${queueId}: client=${client}`);
  const messageId = headerValue(a.message, 'message-id');
  a.mta.log.write('cleanup', `${queueId}: message-id=${messageId ?? '<>'}`);
  const overQuota = (err: unknown): ReceiveResult => {
    if (!(err instanceof OverQuota)) throw err;
    const { code, text } = quotaReply(err, a.recipients[0] ?? '');
    a.mta.log.write('cleanup', `${queueId}: reject: END-OF-MESSAGE from ${client}: ${code} ${text}; from=<${a.envelopeFrom}> to=<${a.recipients.join('>,<')}> proto=ESMTP helo=<${a.helo}>`);
    return { accepted: false, queueId, code, text };
  };
  // A message that will not fit is refused before any checking work is spent on it.
  const copies = new Set(a.recipients.map((r) => r.toLowerCase())).size;
  const full = await a.sandbox.usage.check(a.message.length * copies, copies).then(() => undefined, overQuota);
  if (full) return full;

  const auth = await checkSenderAuthentication({
    message: a.message,
    ip: a.client.address,
    helo: a.helo,
    sender: a.envelopeFrom,
    host,
    resolver: a.world.dns.resolver(a.sandbox),
    enforce: a.client.labServer,
    lane: a.sandbox.id,
  }).catch((err: Error): AuthOutcome => {
    // A message the checkers cannot read is still delivered: a broken check must not lose mail.
    a.mta.log.write('cleanup', `${queueId}: warning: sender authentication failed to run: ${err.message}`);
    const why = text(`The checks could not run on this message (${err.message}).`, `无法对这封邮件进行检查（${err.message}）。`);
    return {
      header: `Authentication-Results: ${host}; none (checks failed: ${err.message.replace(/[\r\n;]/g, ' ').slice(0, 100)})\r\n`,
      spf: 'temperror',
      dkim: 'temperror',
      dmarc: 'temperror',
      disposition: 'deliver',
      policyApplied: false,
      steps: (['dkim', 'spf', 'dmarc'] as const).map((check) => ({ check, result: 'temperror', lookups: [], explain: [why] })),
    };
  });
  const folder = auth.disposition === 'quarantine' ? 'Junk' : 'INBOX';
  const { header, ...rest } = auth;
  await saveAuthReport(a.sandbox, {
    ...rest,
    header,
    id: queueId,
    receivedAt: new Date().toISOString(),
    host,
    client: { ...a.client, helo: a.helo },
    envelopeFrom: a.envelopeFrom,
    recipients: a.recipients,
    ...(headerValue(a.message, 'subject') !== undefined ? { subject: headerValue(a.message, 'subject') } : {}),
    ...(messageId ? { messageId } : {}),
    outcome: auth.disposition === 'reject' ? 'rejected' : folder,
  });

  if (auth.disposition === 'reject') {
    const domain = auth.headerFrom?.split('@').pop() ?? '';
    const text = `5.7.1 Email rejected per DMARC policy for ${domain}: neither SPF nor DKIM passed aligned with the From: domain (see the message view, id ${queueId})`;
    a.mta.log.write('cleanup', `${queueId}: milter-reject: END-OF-MESSAGE from ${client}: ${text}; from=<${a.envelopeFrom}> to=<${a.recipients.join('>,<')}> proto=ESMTP helo=<${a.helo}>`);
    return { accepted: false, queueId, code: 550, text };
  }

  let size: number;
  try {
    size = await deliverToMailboxes(
      a.sandbox,
      [Buffer.from(header), a.message],
      a.recipients,
      {
        envelopeFrom: a.envelopeFrom,
        helo: a.helo,
        clientHostname: a.client.hostname,
        clientAddress: a.client.address,
        transmissionType: a.transmissionType,
        serverName: host,
        queueId,
        recipients: a.recipients,
        tlsCipher: a.tlsCipher,
      },
      folder,
    );
  } catch (err) {
    return overQuota(err);
  }
  const delay = ((Date.now() - started) / 1000).toFixed(2);
  const delivered = new Set(a.recipients.map((r) => r.toLowerCase()));
  a.world.metrics?.maildirDeliveries.inc({ host }, delivered.size);
  for (const to of delivered) {
    a.mta.log.write('virtual', `${queueId}: to=<${to}>, relay=virtual, delay=${delay}, delays=0/0/0/${delay}, dsn=2.0.0, status=sent (delivered to maildir${folder === 'INBOX' ? '' : ` folder ${folder}: DMARC ${auth.policy}`})`);
  }
  return { accepted: true, queueId, size };
}
