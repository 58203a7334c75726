/**
 * Armed faults at a lab MTA's port 25 (see mta/faults): at each step the listener asks the
 * sandbox's fault board, waits out a delay, then answers with the armed code, drops the
 * connection without a word, or fails the TLS handshake after saying 220 to STARTTLS — and
 * writes to the MTA's log what a real server would, marked with the fault's id.
 *
 * MAIL, RCPT and the end of the message are smtp-server hooks (server.ts calls `check`);
 * the greeting is onConnect; DATA and STARTTLS have no hook, so their handlers are wrapped on
 * each connection (`install`).
 */
import type { SMTPServerSession } from 'smtp-server';
import type { ArmedFault, SmtpAction, SmtpEvent } from '../mta/faults/board.js';
import type { MailWorld } from '../mta/mailWorld.js';
import type { LabMta } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';

/** What a fault check needs to know about the session it is in. */
export interface FaultSession {
  sandbox: Sandbox;
  /** "mail.example.com[192.0.2.100]" or "unknown[127.0.0.1]", for the log. */
  client: string;
  /** The address greylisting keys on. */
  address: string;
  helo: string;
}

/** The smtp-server connection internals the wrapped handlers use. */
interface Connection {
  session: SMTPServerSession;
  send(code: number, text: string): void;
  _socket: { destroy(): void; unpipe(dest?: unknown): void; once(event: 'data', fn: () => void): void; resume(): void; end(data: Buffer): void; destroyed: boolean };
  _parser: unknown;
  handler_DATA(command: Buffer, callback: () => void): void;
  handler_STARTTLS(command: Buffer, callback: () => void): void;
}

const STEP_VERB: Record<SmtpEvent['step'], string> = { greeting: 'CONNECT', mail: 'MAIL', rcpt: 'RCPT', data: 'DATA', body: 'DATA', dot: 'END-OF-MESSAGE', starttls: 'STARTTLS' };

/** A TLS record with a fatal handshake_failure alert: what a server whose handshake breaks sends. */
const HANDSHAKE_FAILURE = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);

/** Drops a connection without a reply, as a crashed or cut-off server would. */
export function dropConnection(connection: unknown): void {
  (connection as Connection)._socket.destroy();
}

export function smtpFaults(world: MailWorld, identity: LabMta, sessionOf: (session: SMTPServerSession) => FaultSession | undefined) {
  const log = async (s: FaultSession, line: string): Promise<void> => (await world.mta(s.sandbox, identity.domain)).log.write('smtpd', line);

  /** Asks the board about one step; waits out delays; logs what fires. Resolves to the action to take. */
  const check = async (session: SMTPServerSession, step: SmtpEvent['step'], envelope: { sender?: string; recipient?: string } = {}): Promise<SmtpAction | undefined> => {
    const s = sessionOf(session);
    if (!s) return undefined;
    const verdict = (await world.faults(s.sandbox)).smtp({ host: identity.host, step, client: s.address, ...envelope });
    const ids = (kind: ArmedFault['spec']['kind']): string => verdict.fired.filter((f) => f.spec.kind === kind).map((f) => f.id).join(', ');
    if (verdict.delayMs > 0) {
      await log(s, `${s.client}: waiting ${verdict.delayMs / 1000} s before answering ${STEP_VERB[step]} (lab fault ${ids('delay')})`);
      await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
    }
    const a = verdict.action;
    const id = verdict.fired[verdict.fired.length - 1]?.id;
    if (a?.kind === 'reply') {
      const who = `from=<${envelope.sender ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : '')}>${envelope.recipient ? ` to=<${envelope.recipient}>` : ''}`;
      await log(s, `NOQUEUE: reject: ${STEP_VERB[step]} from ${s.client}: ${a.code} ${a.text}; ${who} proto=ESMTP helo=<${s.helo}> (lab fault ${id})`);
    } else if (a?.kind === 'drop') {
      await log(s, `lost connection after ${STEP_VERB[step]} from ${s.client}: the server dropped it (lab fault ${id})`);
    } else if (a?.kind === 'tls-fail') {
      await log(s, `SSL_accept error from ${s.client}: handshake failure (lab fault ${id})`);
    }
    return a;
  };

  /** Wraps DATA and STARTTLS of one new connection, which smtp-server gives no hook. */
  const install = (raw: unknown): void => {
    const connection = raw as Connection;
    const data = connection.handler_DATA;
    connection.handler_DATA = function (this: Connection, command, callback) {
      // Out of sequence: smtp-server's own answer (503) comes first, as on a real server.
      if (this.session.envelope.rcptTo.length === 0) return data.call(this, command, callback);
      void check(this.session, 'data').then((a) => {
        if (a?.kind === 'reply') {
          this.send(a.code, a.text);
          return callback();
        }
        if (a?.kind === 'drop') return dropConnection(this);
        data.call(this, command, callback);
      });
    };
    const starttls = connection.handler_STARTTLS;
    connection.handler_STARTTLS = function (this: Connection, command, callback) {
      void check(this.session, 'starttls').then((a) => {
        if (a?.kind !== 'tls-fail') return starttls.call(this, command, callback);
        this.send(220, '2.0.0 Ready to start TLS');
        // The client's ClientHello gets a fatal alert instead of a ServerHello.
        const socket = this._socket;
        socket.unpipe(this._parser);
        socket.once('data', () => {
          if (!socket.destroyed) socket.end(HANDSHAKE_FAILURE);
        });
        socket.resume();
      });
    };
  };

  return { check, install };
}

/** An error smtp-server sends as the reply: its code and text. */
export function replyError(action: { code: number; text: string }): Error {
  return Object.assign(new Error(action.text), { responseCode: action.code });
}
