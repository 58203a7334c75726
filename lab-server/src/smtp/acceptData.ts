/**
 * What a lab SMTP listener does after DATA's final dot: the message goes to the receiving lab
 * MTA (port 25, receive.ts) or to the logged-in sender's own MTA (587 and 465, submit.ts), and
 * what became of it is the reply — 250 with the queue id, the receiver's refusal, 452/552 for a
 * full sandbox or disk, or 451 when the message could not be written.
 */
import type { SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log.js';
import type { MailWorld } from '../mta/mailWorld.js';
import { isOutOfSpace } from '../files/diskSpace.js';
import { OverQuota } from '../quota/usage.js';
import type { LabMta } from '../world/network.js';
import { SANDBOX_REMOVED } from '../world/removedReplies.js';
import type { Sandbox } from '../world/sandbox.js';
import { headerTooLarge, withHeaderEnd } from './headers.js';
import { quotaReply } from './quotaReply.js';
import { receiveMessage, type Arrival } from './receive.js';
import { submitMessage, TooBigWithHeaders } from './submit.js';

export interface AcceptDeps {
  world: MailWorld;
  log: Logger;
  /** Deliveries in progress, awaited on shutdown so nothing is cut off half-way. */
  inFlight: Set<Promise<unknown>>;
  /** The size limit (SIZE) every lab server applies. */
  maxMessageSize: number;
}

export interface DataReceived {
  session: SMTPServerSession;
  sandbox: Sandbox;
  message: Buffer;
  /** The listener's log name ("smtp/mail.example.com", "smtp/submission"). */
  component: string;
  /** Port 25: the lab MTA whose port it is, and how it sees the client (a lab MTA by its lab address). */
  receiver?: { mta: LabMta; peer: Arrival['client'] | undefined };
  /** 587 and 465: the SASL mechanism the user logged in with, for the log. */
  saslMethod?: string;
}

type DataCallback = (err?: Error | null, message?: string) => void;

/** Delivers the message and answers the final dot through `callback`. */
export function acceptData(deps: AcceptDeps, data: DataReceived, callback: DataCallback): void {
  const { session, sandbox, component, receiver } = data;
  const message = withHeaderEnd(data.message);
  const envelope = session.envelope;
  const recipients = envelope.rcptTo.map((r) => r.address);
  const envelopeFrom = envelope.mailFrom ? envelope.mailFrom.address : '';
  // smtp-server keeps the negotiated cipher here once the connection is encrypted.
  const cipher = (session as unknown as { tlsOptions?: { name?: string } | false }).tlsOptions;
  const tlsCipher = cipher && cipher.name ? cipher.name : undefined;
  // Its sandbox was removed since the session began: nothing can be kept (a queue write would be dropped unsaid).
  if (sandbox.removed) return callback(removedReply(deps, component, envelopeFrom, recipients));
  const text = headerTooLarge(message);
  if (text) {
    deps.log(component, `from=<${envelopeFrom}>, to=<${recipients.join('>,<')}>, status=rejected (552 ${text})`);
    return callback(Object.assign(new Error(text), { responseCode: 552 }));
  }
  const work = receiver
    ? deps.world.mta(sandbox, receiver.mta.domain).then((mta) => {
        const peer = receiver.peer ?? { address: session.remoteAddress.replace(/^::ffff:/, ''), hostname: '', labServer: false };
        return receiveMessage({
          sandbox,
          mta,
          world: deps.world,
          message,
          envelopeFrom,
          recipients,
          helo: session.hostNameAppearsAs || '',
          client: peer.labServer ? peer : { ...peer, hostname: session.clientHostname || '' },
          transmissionType: session.transmissionType,
          ...(tlsCipher ? { tlsCipher } : {}),
        });
      })
    : submitMessage({
        sandbox,
        world: deps.world,
        user: String(session.user),
        method: data.saslMethod ?? 'PLAIN',
        message,
        envelopeFrom,
        recipients,
        maxSize: deps.maxMessageSize,
        trace: {
          helo: session.hostNameAppearsAs || '',
          clientHostname: session.clientHostname || '',
          clientAddress: session.remoteAddress,
          transmissionType: session.transmissionType,
          ...(tlsCipher ? { tlsCipher } : {}),
        },
      }).then((r) => ({ accepted: true as const, ...r }));
  deps.inFlight.add(work);
  work.then(
    (result) => {
      deps.inFlight.delete(work);
      if (!result.accepted) {
        deps.log(component, `${result.queueId}: from=<${envelopeFrom}>, to=<${recipients.join('>,<')}>, status=rejected (${result.code} ${result.text})`);
        return callback(Object.assign(new Error(result.text), { responseCode: result.code }));
      }
      deps.log(component, `${result.queueId}: from=<${envelopeFrom}>, to=<${recipients.join('>,<')}>, size=${result.size}, status=sent (delivered to maildir)`);
      callback(null, `2.0.0 Ok: queued as ${result.queueId}`);
    },
    (err: Error) => {
      deps.inFlight.delete(work);
      if (err instanceof TooBigWithHeaders) {
        deps.log(component, `from=<${envelopeFrom}>, to=<${recipients.join('>,<')}>, status=rejected (552 ${err.message})`);
        return callback(Object.assign(new Error(err.message), { responseCode: 552 }));
      }
      if (err instanceof OverQuota) {
        const { code, text } = quotaReply(err, recipients[0] ?? '');
        deps.log(component, `from=<${envelopeFrom}>, to=<${recipients.join('>,<')}>, status=rejected (${code} ${text})`);
        return callback(Object.assign(new Error(text), { responseCode: code }));
      }
      // Removed while the message was written: its directories are gone for good.
      if (sandbox.removed) return callback(removedReply(deps, component, envelopeFrom, recipients));
      deps.log(component, `delivery failed: ${err.message}`);
      // RFC 5321's 452 and RFC 3463's 4.3.1 (mail system full), as Postfix says when its disk is full.
      if (isOutOfSpace(err)) return callback(Object.assign(new Error('4.3.1 Insufficient system storage: the lab server\'s disk is full, nothing was delivered. Try again later'), { responseCode: 452 }));
      callback(Object.assign(new Error('4.3.0 Temporary failure writing the message to the mailbox. Try again in a moment.'), { responseCode: 451 }));
    },
  );
}

/** The answer to a message for a removed sandbox: said, not "try again in a moment", which would never work. */
function removedReply(deps: AcceptDeps, component: string, envelopeFrom: string, recipients: string[]): Error {
  const text = `4.3.2 Nothing was delivered: ${SANDBOX_REMOVED.en}`;
  deps.log(component, `from=<${envelopeFrom}>, to=<${recipients.join('>,<')}>, status=deferred (451 ${text})`);
  return Object.assign(new Error(text), { responseCode: 451 });
}
