/**
 * What happens to a message a logged-in user submits (port 587 or 465): it is handed to the
 * user's own MTA — alice@example.com's to mail.example.com, carol@otherdomain.com's to
 * mail.otherdomain.com. Missing Date/Message-ID/From are added, the MTA signs it with its
 * domain's DKIM key, its own users get it at once, and recipients at the other lab domain
 * are put in the MTA's queue, which looks up their MX and relays it by SMTP.
 */
import { wireSize } from '../maildir/wire.js';
import type { MailWorld } from '../mta/mailWorld.js';
import { newQueueId } from '../mta/queue.js';
import { signMessage } from '../mta/dkimSign.js';
import { dkimKey } from '../world/dkimKeys.js';
import { splitAddress } from '../world/definition.js';
import { homeMta } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';
import { deliverToMailboxes } from './delivery.js';
import { addMissingHeaders, headerValue } from './headers.js';
import { traceHeaders, type TraceInfo } from './trace.js';

export interface Submission {
  sandbox: Sandbox;
  world: MailWorld;
  /** The logged-in user's address. */
  user: string;
  /** SASL mechanism used (PLAIN, LOGIN), for the log. */
  method: string;
  message: Buffer;
  envelopeFrom: string;
  recipients: string[];
  trace: Omit<TraceInfo, 'serverName' | 'queueId' | 'recipients' | 'envelopeFrom'>;
  /** The lab's message size limit (SIZE), which every later hop applies to the message as it now is. */
  maxSize: number;
}

/**
 * The message with the headers this server adds (Date, Message-ID, From, DKIM-Signature,
 * Received) is over the size limit: as Postfix's cleanup does, it is refused here rather than
 * accepted and then refused by the next server (552 at MAIL FROM SIZE=) and bounced.
 */
export class TooBigWithHeaders extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`5.3.4 Message size exceeds fixed limit of ${limit} bytes once this server's headers (Received:, DKIM-Signature:) are added (${size} bytes). Send a smaller message.`);
  }
}

export async function submitMessage(s: Submission): Promise<{ queueId: string; size: number }> {
  const userDomain = splitAddress(s.user)!.domain;
  const home = homeMta(userDomain);
  const mta = await s.world.mta(s.sandbox, home.domain);
  const isLocal = (address: string): boolean => {
    const domain = splitAddress(address)?.domain ?? '';
    return s.sandbox.isLocalDomain(domain) && homeMta(domain).domain === home.domain;
  };
  const local = s.recipients.filter(isLocal);
  const remote = s.recipients.filter((r) => !isLocal(r));
  // All or nothing: no copy is queued for the other domain when the local ones would not fit.
  const copies = new Set(local.map((r) => r.toLowerCase())).size + (remote.length > 0 ? 1 : 0);
  await s.sandbox.usage.check(s.message.length * copies, copies);
  let queueId = newQueueId();
  let message = addMissingHeaders(s.message, { from: s.user, host: home.host, queueId, date: new Date() });
  if (s.sandbox.isLocalDomain(home.domain)) message = await signMessage(message, await dkimKey(s.sandbox, home.domain), s.sandbox.id);
  const trace = (id: string, recipients: string[]): TraceInfo => ({ ...s.trace, envelopeFrom: s.envelopeFrom, serverName: home.host, queueId: id, recipients });
  // As the next server counts it: bare LFs go out as CRLF, under the Received: line of this hop.
  const withTrace = traceHeaders({ ...trace(queueId, remote.length > 0 ? remote : local), returnPath: false }).length + wireSize(message);
  if (withTrace > s.maxSize) throw new TooBigWithHeaders(withTrace, s.maxSize);
  const client = `${s.trace.clientHostname && !s.trace.clientHostname.startsWith('[') ? s.trace.clientHostname : 'unknown'}[${s.trace.clientAddress.replace(/^::ffff:/, '')}]`;

  mta.log.write('submission/smtpd', `${queueId}: client=${client}, sasl_method=${s.method}, sasl_username=${s.user}`);
  if (remote.length > 0) {
    // The queued copy carries this hop's Received: line; Return-Path is the final server's to add.
    const hop = Buffer.concat([Buffer.from(traceHeaders({ ...trace(queueId, remote), returnPath: false })), message]);
    const subject = headerValue(message, 'subject');
    const messageId = headerValue(message, 'message-id');
    const entry = await mta.enqueue(s.envelopeFrom, remote, hop, { id: queueId, ...(subject !== undefined ? { subject } : {}), ...(messageId ? { messageId } : {}) });
    queueId = entry.id;
  }
  let size = message.length;
  if (local.length > 0) {
    const started = Date.now();
    size = await deliverToMailboxes(s.sandbox, [message], local, trace(queueId, local));
    const delay = ((Date.now() - started) / 1000).toFixed(2);
    const delivered = new Set(local.map((r) => r.toLowerCase()));
    s.world.metrics?.maildirDeliveries.inc({ host: home.host }, delivered.size);
    for (const to of delivered) {
      mta.log.write('virtual', `${queueId}: to=<${to}>, relay=virtual, delay=${delay}, delays=0/0/0/${delay}, dsn=2.0.0, status=sent (delivered to maildir)`);
    }
  }
  return { queueId, size };
}
