/**
 * The lab's SMTP listeners, built on smtp-server:
 *  - mx (port 25): mail from other servers; no AUTH; STARTTLS offered; local recipients only.
 *  - submission (587): STARTTLS, then AUTH, then MAIL (RFC 6409).
 *  - submissions (465): implicit TLS, AUTH required (RFC 8314).
 * Tuned for people typing by hand: long idle timeout, no disconnect after unknown commands.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log.js';
import type { TlsMaterial } from '../tls/certificate.js';
import type { ConnectionScope, SandboxAccess } from '../world/access.js';
import { deliverToMailboxes } from './delivery.js';
import { checkRecipient, RecipientRefused } from './policy.js';

export type SmtpRole = 'mx' | 'submission' | 'submissions';

export interface SmtpDeps {
  access: SandboxAccess;
  tls: TlsMaterial;
  log: Logger;
  /** Largest message accepted, in octets (advertised as SIZE; larger gets 552). */
  maxMessageSize: number;
  /** Deliveries in progress, awaited on shutdown so nothing is cut off half-way. */
  inFlight: Set<Promise<unknown>>;
}

/** Idle time before the server gives up on a client: long enough for a person to think. */
export const SMTP_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Replies of smtp-server that a learner typing by hand would not understand, rewritten to
 * say what to do next. Keyed by reply code and the start of the library's text.
 */
const LEARNER_REPLIES: Array<{ code: number; startsWith: string; text: string }> = [
  {
    code: 538,
    startsWith: 'Error: Must issue a STARTTLS',
    text: '5.7.11 Encryption required before AUTH, so your password never crosses the network in clear text. Send STARTTLS first, then EHLO again, then AUTH',
  },
  {
    code: 530,
    startsWith: 'Error: authentication Required',
    text: '5.7.0 Authentication required: this is the submission port. Log in with AUTH PLAIN or AUTH LOGIN before MAIL FROM',
  },
  {
    code: 421,
    startsWith: 'Error: Command line too long',
    text: '4.5.0 Line too long: an SMTP command line is at most 16 KB. Closing the connection; reconnect and send short commands',
  },
  {
    code: 500,
    startsWith: 'Error: command not recognized',
    text: '5.5.2 Command not recognized. Try EHLO, MAIL FROM:<you@example.com>, RCPT TO:<bob@example.com>, DATA, RSET, NOOP or QUIT',
  },
];

class LabSmtpServer extends SMTPServer {
  /** Accepts a connection as smtp-server does, minus the limit on unrecognized commands. */
  override connect(socket: Socket | TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    const before = new Set(this.connections);
    super.connect(socket, socketOptions);
    for (const connection of this.connections) {
      if (before.has(connection)) continue;
      // A learner mistyping ten commands should get help, not "421 too many unrecognized commands".
      Object.defineProperty(connection, '_unrecognizedCommands', { get: () => 0, set: () => undefined });
      const send = connection.send.bind(connection);
      connection.send = (code, data, context) => {
        const better = typeof data === 'string' ? LEARNER_REPLIES.find((r) => r.code === code && data.startsWith(r.startsWith)) : undefined;
        send(code, better ? better.text : data, context);
      };
    }
  }

  /** Says goodbye to every open session with 421 and closes it (used at shutdown). */
  closeAllSessions(reason: string): void {
    for (const connection of this.connections) {
      connection.send(421, reason);
      connection.close();
    }
  }
}

export function createSmtpServer(role: SmtpRole, deps: SmtpDeps): LabSmtpServer {
  const scopes = new WeakMap<SMTPServerSession, ConnectionScope>();
  const scopeOf = (session: SMTPServerSession): ConnectionScope => {
    const scope = scopes.get(session);
    if (!scope) throw new Error('SMTP session without a sandbox');
    return scope;
  };
  const requireAuth = role !== 'mx';

  const server: LabSmtpServer = new LabSmtpServer({
    name: 'mail.example.com',
    banner: 'MailLab',
    secure: role === 'submissions',
    key: deps.tls.key,
    cert: deps.tls.cert,
    size: deps.maxMessageSize,
    authOptional: !requireAuth,
    disabledCommands: requireAuth ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    disableReverseLookup: true,
    maxAllowedUnauthenticatedCommands: false,
    socketTimeout: SMTP_IDLE_TIMEOUT_MS,
    closeTimeout: 2000,
    logger: false,

    onConnect(session, callback) {
      deps.access.forConnection(session.remoteAddress, session.remotePort).then(
        (scope) => {
          scopes.set(session, scope);
          callback();
        },
        (err: Error) => {
          deps.log(`smtp/${role}`, `no sandbox for ${session.remoteAddress}: ${err.message}`);
          callback(Object.assign(new Error('Service not available: this lab sandbox is gone. Reconnect later.'), { responseCode: 421 }));
        },
      );
    },

    onClose(session) {
      scopes.get(session)?.release();
    },

    onAuth(auth, session, callback) {
      const user = deps.access.authenticate(scopeOf(session), auth.username ?? '', auth.password ?? '');
      if (!user) {
        deps.log(`smtp/${role}`, `authentication failed for ${JSON.stringify(auth.username)} from ${session.remoteAddress}`);
        const err = Object.assign(
          new Error('5.7.8 Authentication failed: wrong user name or password. Lab users are alice@example.com, bob@example.com, carol@otherdomain.com'),
          { responseCode: 535 },
        );
        return callback(err);
      }
      callback(null, { user: user.address });
    },

    onRcptTo(address, session, callback) {
      try {
        checkRecipient(scopeOf(session).sandbox, address.address);
        callback();
      } catch (err) {
        if (err instanceof RecipientRefused) {
          deps.log(`smtp/${role}`, `NOQUEUE: reject: RCPT from ${session.remoteAddress}: ${err.responseCode} ${err.message}`);
          return callback(Object.assign(new Error(err.message), { responseCode: err.responseCode }));
        }
        callback(err as Error);
      }
    },

    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const err = Object.assign(new Error(`5.3.4 Message size exceeds fixed limit of ${deps.maxMessageSize} bytes. Send a smaller message.`), {
            responseCode: 552,
          });
          return callback(err);
        }
        const scope = scopeOf(session);
        const envelope = session.envelope;
        const queueId = randomBytes(5).toString('hex').toUpperCase();
        const recipients = envelope.rcptTo.map((r) => r.address);
        // smtp-server keeps the negotiated cipher here once the connection is encrypted.
        const cipher = (session as unknown as { tlsOptions?: { name?: string } | false }).tlsOptions;
        const delivery = deliverToMailboxes(scope.sandbox, Buffer.concat(chunks), recipients, {
          envelopeFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
          helo: session.hostNameAppearsAs || '',
          clientHostname: session.clientHostname || '',
          clientAddress: session.remoteAddress,
          transmissionType: session.transmissionType,
          serverName: scope.sandbox.hostName,
          queueId,
          recipients,
          tlsCipher: cipher && cipher.name ? cipher.name : undefined,
        });
        deps.inFlight.add(delivery);
        delivery.then(
          (size) => {
            deps.inFlight.delete(delivery);
            deps.log(`smtp/${role}`, `${queueId}: from=<${envelope.mailFrom ? envelope.mailFrom.address : ''}>, to=<${recipients.join('>,<')}>, size=${size}, status=sent (delivered to maildir)`);
            callback(null, `2.0.0 Ok: queued as ${queueId}`);
          },
          (err: Error) => {
            deps.inFlight.delete(delivery);
            deps.log(`smtp/${role}`, `${queueId}: delivery failed: ${err.message}`);
            callback(Object.assign(new Error('4.3.0 Temporary failure writing the message to the mailbox. Try again in a moment.'), { responseCode: 451 }));
          },
        );
      });
    },
  });
  server.on('error', (err) => deps.log(`smtp/${role}`, `error: ${err.message}`));
  return server;
}

export type { LabSmtpServer };
