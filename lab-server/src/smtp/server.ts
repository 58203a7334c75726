/**
 * The lab's SMTP listeners, built on smtp-server:
 *  - mx (port 25 of a lab host): one per lab MTA — mail.example.com and mail.otherdomain.com
 *    each have their own listener, banner and log; no AUTH; STARTTLS offered; that MTA's own
 *    users only (see receive.ts).
 *  - submission (587): STARTTLS, then AUTH, then MAIL (RFC 6409); the message goes to the
 *    user's own MTA (see submit.ts).
 *  - submissions (465): implicit TLS, AUTH required (RFC 8314).
 * Tuned for people typing by hand (see labSmtpServer.ts).
 */
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { RepeatedEvents, type Logger } from '../log.js';
import type { MailWorld } from '../mta/mailWorld.js';
import { plainAddress } from '../net/addressList.js';
import { capMessage, guardMailListener, type ConnectionCaps } from '../net/connectionCaps.js';
import { paceHangUp } from '../net/turnBudget.js';
import { SERVER_TLS_OPTIONS, type TlsMaterial } from '../tls/certificate.js';
import { MailboxElsewhere, MOVING_TEXT, TryLoginLater, wrongNodeText, type ConnectionScope, type SandboxAccess } from '../world/access.js';
import { SANDBOX_REMOVED } from '../world/removedReplies.js';
import { LAB_MTAS, type LabMta } from '../world/network.js';
import { memoryShare } from '../world/memoryShare.js';
import { acceptData } from './acceptData.js';
import { gatherData, MessageHold, type DataBudget } from './dataBudget.js';
import { LabSmtpServer, SMTP_IDLE_TIMEOUT_MS, type SmtpCounters } from './labSmtpServer.js';
import { findPeer, type Peer } from './peer.js';
import { checkRecipient, checkSubmissionRecipient, MAX_RECIPIENTS, RecipientRefused } from './policy.js';
import { declaredSize, recipientQuotaReply } from './quotaReply.js';
import { dropConnection, replyError, smtpFaults } from './faults.js';

export type SmtpRole = 'mx' | 'submission' | 'submissions';

export interface SmtpDeps {
  access: SandboxAccess;
  tls: TlsMaterial;
  log: Logger;
  /** Largest message accepted, in octets (advertised as SIZE; larger gets 552). */
  maxMessageSize: number;
  /** Deliveries in progress, awaited on shutdown so nothing is cut off half-way. */
  inFlight: Set<Promise<unknown>>;
  /** Memory for messages being received, shared by every SMTP listener. */
  dataBudget: DataBudget;
  world: MailWorld;
  /** For an mx listener: the lab host whose port 25 it is (default mail.example.com). */
  mta?: LabMta;
  /** Counts commands and 4xx/5xx replies under this listener's service id. */
  metrics?: SmtpCounters;
  /** Caps on open connections, shared by every mail listener. */
  caps: ConnectionCaps;
  /** Idle time a client from outside the lab has before AUTH on 587 and 465 (port 25 has no login). */
  preLoginTimeoutMs: number;
}

export function createSmtpServer(role: SmtpRole, deps: SmtpDeps): LabSmtpServer {
  const scopes = new WeakMap<SMTPServerSession, ConnectionScope>();
  const scopeOf = (session: SMTPServerSession): ConnectionScope => {
    const scope = scopes.get(session);
    if (!scope) throw new Error('SMTP session without a sandbox');
    return scope;
  };
  const requireAuth = role !== 'mx';
  const identity = deps.mta ?? LAB_MTAS[0]!;
  const component = role === 'mx' ? `smtp/${identity.host}` : `smtp/${role}`;
  const peers = new WeakMap<SMTPServerSession, Peer>();
  const saslMethods = new WeakMap<SMTPServerSession, string>();
  /** The message each session is receiving holds its bytes until the reply, or the hang-up. */
  const holds = new WeakMap<SMTPServerSession, MessageHold>();
  const authFailures = new RepeatedEvents(deps.log, component);

  // Armed faults play on port 25 only: they make the lab MTAs misbehave as receivers.
  const faults =
    role === 'mx'
      ? smtpFaults(deps.world, identity, (session) => {
          const scope = scopes.get(session);
          const peer = peers.get(session);
          return scope && peer ? { sandbox: scope.sandbox, client: `${peer.hostname || 'unknown'}[${peer.address}]`, address: peer.address, helo: session.hostNameAppearsAs || '' } : undefined;
        })
      : undefined;
  const drop = (session: SMTPServerSession): void => dropConnection(server.connectionOf.get(session));

  const server: LabSmtpServer = new LabSmtpServer({
    name: role === 'mx' ? identity.host : LAB_MTAS[0]!.host,
    banner: 'MailLab',
    secure: role === 'submissions',
    key: deps.tls.key,
    cert: deps.tls.cert,
    ...SERVER_TLS_OPTIONS,
    size: deps.maxMessageSize,
    maxRecipients: MAX_RECIPIENTS,
    authOptional: !requireAuth,
    disabledCommands: requireAuth ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    // Replies carry RFC 3463 codes ("5.7.1 ..."), so EHLO says so (RFC 2034).
    hideENHANCEDSTATUSCODES: false,
    allowInsecureAuth: false,
    disableReverseLookup: true,
    maxAllowedUnauthenticatedCommands: false,
    socketTimeout: SMTP_IDLE_TIMEOUT_MS,
    closeTimeout: 2000,
    logger: false,

    // A TLS session's hang-up is paced as a plain one's is (the guard paces those).
    onSecure(socket, _session, callback) {
      paceHangUp(socket, plainAddress(socket.remoteAddress ?? ''));
      callback();
    },

    onConnect(session, callback) {
      deps.access.forConnection(session.remoteAddress, session.remotePort).then(
        async (scope) => {
          scopes.set(session, scope);
          // Its sandbox removed, or moving to another node: told at once, as IMAP and POP3 sessions are.
          scope.events.once('moving', () => server.closeSession(session.id, `4.3.2 ${MOVING_TEXT}`));
          scope.events.once('deleted', () => server.closeSession(session.id, `4.3.2 ${SANDBOX_REMOVED.en}`));
          guard.of(session.remoteAddress, session.remotePort)?.started(scope.viaBridge);
          // A mail client from outside must log in soon; a learner's terminal keeps the long timeout.
          if (requireAuth && !scope.viaBridge) server.awaitLogin(session.id, deps.preLoginTimeoutMs, deps.access.loginPolicy.deadlineMs);
          if (role !== 'mx') return callback();
          const mta = await deps.world.mta(scope.sandbox, identity.domain);
          const peer = await findPeer(deps, session, scope);
          peers.set(session, peer);
          if (!mta.running) {
            return callback(
              Object.assign(new Error(`4.3.2 ${identity.host} is stopped in this lab (it was stopped on the world page). Start it there, then connect again`), { responseCode: 421 }),
            );
          }
          mta.log.write('smtpd', `connect from ${peer.hostname || 'unknown'}[${peer.address}]`);
          const fault = await faults?.check(session, 'greeting');
          if (fault?.kind === 'reply') return callback(replyError(fault));
          if (fault?.kind === 'drop') return drop(session);
          callback();
        },
        (err: Error) => {
          deps.log(component, `no sandbox for ${session.remoteAddress}: ${err.message}`);
          callback(Object.assign(new Error('Service not available: this lab sandbox is gone. Reconnect later.'), { responseCode: 421 }));
        },
      ).catch((err: Error) => {
        deps.log(component, `connect failed: ${err.message}`);
        callback(Object.assign(new Error('4.3.0 Temporary failure: try again in a moment.'), { responseCode: 421 }));
      });
    },

    onClose(session) {
      holds.get(session)?.release();
      scopes.get(session)?.release();
    },

    onAuth(auth, session, callback) {
      const scope = scopeOf(session);
      // As IMAP's AUTHENTICATE answers it: nobody logs in on behalf of someone else (RFC 4616 §2).
      if (auth.authzid && auth.authzid.toLowerCase() !== (auth.username ?? '').toLowerCase()) {
        return callback(Object.assign(new Error('5.7.8 You may only authorize as yourself: leave the first part of AUTH PLAIN empty ("\\0user\\0password")'), { responseCode: 535 }));
      }
      const tried = deps.access.login(scope, auth.username ?? '', auth.password ?? '').catch((err: unknown) => {
        if (err instanceof MailboxElsewhere || err instanceof TryLoginLater) return err;
        throw err;
      });
      void tried.then((user) => {
        // RFC 4954's temporary authentication failure: the same login works later (a drain, or its address's turn).
        if (user instanceof TryLoginLater) return callback(Object.assign(new Error(`4.7.0 ${user.text}`), { responseCode: 454 }));
        if (user instanceof MailboxElsewhere) {
          // In a cluster, a mailbox held by another node is refused with that node's name.
          return callback(Object.assign(new Error(`5.7.8 ${wrongNodeText(user.node, role)}`), { responseCode: 535 }));
        }
        if (!user) {
          authFailures.note(session.remoteAddress, `authentication failed for ${JSON.stringify(auth.username)} from ${session.remoteAddress}`);
          if (scope.authFailures >= deps.access.loginPolicy.failuresPerConnection) {
            return callback(Object.assign(new Error(`4.7.0 Too many failed logins on this connection. Check the user name and password, then reconnect`), { responseCode: 421 }));
          }
          const err = Object.assign(
            new Error('5.7.8 Authentication failed: wrong user name or password. Lab users are alice@example.com, bob@example.com, carol@otherdomain.com'),
            { responseCode: 535 },
          );
          return callback(err);
        }
        server.loggedIn(session.id);
        saslMethods.set(session, auth.method);
        callback(null, { user: user.address });
      });
    },

    onMailFrom(address, session, callback) {
      // smtpd_sender_login_maps + reject_sender_login_mismatch: you send as yourself.
      const user = typeof session.user === 'string' ? session.user : undefined;
      if (requireAuth && user && address.address !== '' && address.address.toLowerCase() !== user) {
        return callback(
          Object.assign(new Error(`5.7.1 <${address.address}>: Sender address rejected: not owned by user ${user}. Use MAIL FROM:<${user}>`), { responseCode: 553 }),
        );
      }
      if (!faults) return callback();
      void faults.check(session, 'mail', { sender: address.address }).then((fault) => {
        if (fault?.kind === 'reply') return callback(replyError(fault));
        if (fault?.kind === 'drop') return drop(session);
        callback();
      }, callback);
    },

    onRcptTo(address, session, callback) {
      const scope = scopeOf(session);
      const reject = (code: number, text: string): void => {
        const peer = peers.get(session);
        const from = peer ? `${peer.hostname || 'unknown'}[${peer.address}]` : `unknown[${session.remoteAddress}]`;
        const line = `NOQUEUE: reject: RCPT from ${from}: ${code} ${text}; from=<${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}> to=<${address.address}> proto=ESMTP helo=<${session.hostNameAppearsAs ?? ''}>`;
        deps.log(component, line);
        if (role === 'mx') void deps.world.mta(scope.sandbox, identity.domain).then((m) => m.log.write('smtpd', line));
        callback(Object.assign(new Error(text), { responseCode: code }));
      };
      // RFC 5321 4.5.1: RCPT TO:<Postmaster>, with no domain, MUST be taken: it is this server's.
      if (role === 'mx' && /^postmaster$/i.test(address.address)) address.address = `postmaster@${identity.domain}`;
      try {
        if (role === 'mx') checkRecipient(scope.sandbox, address.address, identity);
        else checkSubmissionRecipient(scope.sandbox, address.address, typeof session.user === 'string' ? session.user : '');
      } catch (err) {
        if (err instanceof RecipientRefused) return reject(err.responseCode, err.message);
        return callback(err as Error);
      }
      // A full sandbox refuses here, with the size MAIL FROM declared, before any data is sent.
      void recipientQuotaReply(scope.sandbox, address.address, declaredSize(session))
        .then(async (full) => {
          if (full) return reject(full.code, full.text);
          if (!faults) return callback();
          const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const fault = await faults.check(session, 'rcpt', { sender, recipient: address.address });
          if (fault?.kind === 'reply') return callback(replyError(fault));
          if (fault?.kind === 'drop') return drop(session);
          callback();
        })
        .catch(callback);
    },

    onData(stream: SMTPServerDataStream, session, callback) {
      // A drop "in the middle of the message" happens as soon as the message starts to flow.
      const cutOff = faults ? faults.check(session, 'body').then((fault) => fault?.kind === 'drop') : Promise.resolve(false);
      void cutOff.then((cut) => cut && drop(session));
      // A client from outside counts by its address (and the learner it logged in as); what the lab
      // opens itself (a terminal, a lab MTA relaying) by sandbox, so one learner's relays never
      // use up another's share.
      const scope = scopeOf(session);
      const share = memoryShare(scope, deps.access.externalSandboxId);
      const hold = new MessageHold(deps.dataBudget, share);
      holds.set(session, hold);
      const reply = (err?: Error | null, message?: string): void => {
        hold.release();
        callback(err, message);
      };
      void gatherData(stream, hold, deps.maxMessageSize).then((message) => {
        // From the final dot the share is the delivery's, given back at its reply: a client that
        // hangs up at once must not free memory a delivery still holds.
        holds.delete(session);
        if (message === 'no-room') {
          deps.log(component, `from=<${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}>: message refused: too many bytes being received at once from ${share.learner ?? share.client}`);
          return reply(
            Object.assign(new Error('4.3.1 Insufficient system storage: too much mail is being received from your address at once. Send this message again in a minute'), { responseCode: 452 }),
          );
        }
        if (message === 'too-big') {
          return reply(Object.assign(new Error(`5.3.4 Message size exceeds fixed limit of ${deps.maxMessageSize} bytes. Send a smaller message.`), { responseCode: 552 }));
        }
        const deliver = (): void =>
          acceptData(
            deps,
            {
              session,
              sandbox: scopeOf(session).sandbox,
              message,
              component,
              ...(role === 'mx' ? { receiver: { mta: identity, peer: peers.get(session) } } : { saslMethod: saslMethods.get(session) ?? 'PLAIN' }),
            },
            reply,
          );
        if (!faults) return deliver();
        // After the final dot: an armed fault answers instead, and nothing is delivered.
        void cutOff.then(async (cut) => {
          if (cut) return;
          const fault = await faults.check(session, 'dot', { sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', recipient: session.envelope.rcptTo[0]?.address ?? '' });
          if (fault?.kind === 'reply') return reply(replyError(fault));
          if (fault?.kind === 'drop') return drop(session);
          deliver();
        }, reply);
      });
    },
  });
  server.metrics = deps.metrics;
  // The lab's own connections (terminals, MTA relays) are not counted against an address's TLS rate.
  server.startTlsRefusal = (session) => (scopes.get(session)?.viaBridge ? undefined : deps.caps.newTls.refusal(session.remoteAddress));
  if (faults) server.onNewConnection = faults.install;
  server.on('error', (err) => deps.log(component, `error: ${err.message}`));
  const guard = guardMailListener(server.server, {
    caps: deps.caps,
    group: component,
    handoffs: deps.access.handoffs,
    ...(role === 'submissions' ? { tls: deps.tls.context } : {}),
    refusal: (reached) => `421 4.7.0 ${server.hostName} ${capMessage(deps.caps, reached)}\r\n`,
    startDeadlineMs: deps.preLoginTimeoutMs,
    drop: (socket) => server.dropUnstarted(socket),
  });
  return server;
}
