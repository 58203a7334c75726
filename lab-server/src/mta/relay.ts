/**
 * Delivery to another domain, as Postfix's smtp(8) does it: look up the MX hosts, try each
 * host's addresses in turn (at most MX_ADDRESS_LIMIT addresses and MX_SESSION_LIMIT sessions),
 * speak SMTP to the first lab MTA that answers, and turn what
 * happened into a verdict per recipient (sent, deferred or bounced) worded as Postfix logs it.
 *
 * It only ever connects to a lab MTA of the same sandbox, found by the lab network's address
 * map; an address outside the lab is refused without a socket being opened.
 *
 * Opportunistic TLS (smtp_tls_security_level = may): when the TLS handshake after STARTTLS
 * fails, the client says so in the log and tries the same server again at once without TLS,
 * as Postfix does — which is exactly why opportunistic TLS can be downgraded.
 */
import { Socket } from 'node:net';
import type { LabDns } from '../dns/labDns.js';
import type { HandoffRegistry } from '../net/handoff.js';
import type { ServiceId } from '../services.js';
import { LAB_NETWORK, destinationAt, type LabMta } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';
import type { MailLog } from './mailLog.js';
import { findRoute } from './route.js';
import { relayMessage, type RelayOutcome, type SessionStage, type SmtpReply } from './smtpClient.js';

/** What one attempt did for one recipient. */
export type Verdict = { status: 'sent' | 'deferred' | 'bounced'; reason: string; dsn: string; relay: string; remoteMta?: string; diagnostic?: string; setupMs?: number; transferMs?: number };

/** RFC 3463 code of a reply: the enhanced code it starts with, or class.0.0. */
export function dsnOf(reply: SmtpReply): string {
  return /^([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply.text)?.[1] ?? `${String(reply.code)[0]}.0.0`;
}

export interface RelayDeps {
  dns: LabDns;
  handoffs: HandoffRegistry;
  /** Where the lab's listeners are reachable from inside this process. */
  connectHost: string;
  portOf: (id: ServiceId) => number | undefined;
  /** Whether another MTA of the same sandbox is running. */
  peerRunning: (sandbox: Sandbox, domain: string) => Promise<boolean>;
  /** Timeout for connecting and for each SMTP reply. */
  timeoutMs: number;
}

export interface RelayJob {
  sandbox: Sandbox;
  /** The sending MTA. */
  identity: LabMta;
  log: MailLog;
  sender: string;
  domain: string;
  recipients: string[];
  message: Buffer;
}

const STAGE_TEXT = {
  greeting: 'while receiving the initial server greeting',
  ehlo: 'while performing the EHLO handshake',
  starttls: 'while performing the STARTTLS handshake',
  mail: 'while sending MAIL FROM',
  rcpt: 'while sending RCPT TO',
  data: 'while sending DATA command',
  message: 'while sending message body',
} as const;

/** Opens a loopback connection to a lab listener, handed off to the sandbox and marked as coming from the sending MTA's address. */
function dial(deps: RelayDeps, job: RelayJob, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    deps.handoffs.expect(socket, { sandboxId: job.sandbox.id, owner: job.identity.host, labAddress: job.identity.address });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('Connection timed out'));
    }, deps.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code === 'ECONNREFUSED' ? 'Connection refused' : err.message));
    });
    socket.connect(port, deps.connectHost);
  });
}

/**
 * Sessions one delivery holds at most (Postfix's smtp_mx_session_limit): ten MX hosts that
 * accept EHLO and then drop the connection cost two sessions, not ten. As in Postfix 2.3 and
 * later, a session that does not get through the greeting, EHLO and the TLS handshake is not
 * counted (postconf(5)); hosts that greet with 421 or stall are bounded by MX_ADDRESS_LIMIT.
 * A plain-text retry after a failed TLS handshake is the same server's.
 */
const MX_SESSION_LIMIT = 2;

/** The steps a session must get past to count against MX_SESSION_LIMIT. */
const HANDSHAKE_STAGES: readonly SessionStage[] = ['greeting', 'ehlo', 'starttls'];

/** One SMTP session to one server; with a failed TLS handshake, a second one in plain text. */
async function session(deps: RelayDeps, job: RelayJob, port: number, serverName: string, where: string): Promise<RelayOutcome> {
  const once = async (startTls: boolean): Promise<RelayOutcome> =>
    relayMessage({ socket: await dial(deps, job, port), serverName, helo: job.identity.host, sender: job.sender, recipients: job.recipients, message: job.message, timeoutMs: deps.timeoutMs, startTls });
  const first = await once(true);
  if (first.failure?.stage !== 'starttls' || first.failure.reply) return first;
  job.log.write('smtp', `warning: TLS handshake with ${where} failed: ${first.failure.error ?? 'handshake failure'}`);
  job.log.write('smtp', `Cannot start TLS: handshake failure; trying ${where} again without TLS (smtp_tls_security_level = may)`);
  return once(false);
}

/** The verdict for each recipient of one attempt to deliver to `job.domain`. */
export async function relayToDomain(deps: RelayDeps, job: RelayJob): Promise<Map<string, Verdict>> {
  const all = (v: Verdict): Map<string, Verdict> => new Map(job.recipients.map((r) => [r, v]));
  const route = await findRoute(deps.dns.resolver(job.sandbox), job.domain);
  if (route.kind === 'fail') return all({ status: route.temporary ? 'deferred' : 'bounced', relay: 'none', dsn: route.dsn, reason: route.reason });
  let lastTemporary: Verdict | undefined;
  let lastPermanent: Verdict | undefined;
  let sessions = 0;
  for (const host of route.hosts) {
    if (sessions >= MX_SESSION_LIMIT) break;
    if (host.addresses.length === 0) {
      const v: Verdict = { status: host.outsideLab ? 'bounced' : 'deferred', relay: 'none', dsn: host.outsideLab ? '5.4.6' : '4.4.3', reason: `Host or domain name not found. ${host.problem}` };
      if (host.outsideLab) lastPermanent = v;
      else lastTemporary = v;
      continue;
    }
    for (const address of host.addresses) {
      if (sessions >= MX_SESSION_LIMIT) break;
      const where = `${host.name}[${address}]:25`;
      const dest = destinationAt(address);
      if (dest.kind === 'outside') {
        // Never connected to: the lab sends nothing beyond this machine.
        lastPermanent = { status: 'bounced', relay: 'none', dsn: '5.4.6', reason: `refused to connect to ${where}: ${address} is outside the lab network ${LAB_NETWORK.cidr} (MailLab never sends mail beyond this machine)` };
        continue;
      }
      if (dest.kind === 'no-mail-server') {
        lastTemporary = { status: 'deferred', relay: 'none', dsn: '4.4.1', reason: `connect to ${where}: Connection refused` };
        continue;
      }
      if (dest.mta.domain === job.identity.domain) {
        lastPermanent = { status: 'bounced', relay: 'none', dsn: '5.4.6', reason: `mail for ${job.domain} loops back to myself` };
        continue;
      }
      const port = deps.portOf(dest.mta.serviceId);
      if (!(await deps.peerRunning(job.sandbox, dest.mta.domain)) || port === undefined) {
        lastTemporary = { status: 'deferred', relay: 'none', dsn: '4.4.1', reason: `connect to ${where}: Connection refused` };
        continue;
      }
      let outcome: RelayOutcome;
      try {
        outcome = await session(deps, job, port, host.name, where);
      } catch (err) {
        lastTemporary = { status: 'deferred', relay: 'none', dsn: '4.4.1', reason: `connect to ${where}: ${(err as Error).message}` };
        continue;
      }
      if (!outcome.failure || !HANDSHAKE_STAGES.includes(outcome.failure.stage)) sessions++;
      const timing = { setupMs: outcome.setupMs, transferMs: outcome.transferMs };
      if (outcome.failure) {
        const f = outcome.failure;
        if (!f.reply) {
          lastTemporary = { status: 'deferred', relay: where, dsn: '4.4.2', reason: `lost connection with ${host.name}[${address}] ${STAGE_TEXT[f.stage]}${f.error && f.error !== 'lost connection' ? ` (${f.error})` : ''}`, ...timing };
          continue;
        }
        const said = `host ${host.name}[${address}] said: ${f.reply.code} ${f.reply.text} (in reply to ${f.stage === 'greeting' ? 'initial greeting' : f.stage === 'mail' ? 'MAIL FROM command' : `${f.stage.toUpperCase()} command`})`;
        const v: Verdict = { status: f.reply.code >= 500 ? 'bounced' : 'deferred', relay: where, dsn: dsnOf(f.reply), reason: said, remoteMta: where, diagnostic: `${f.reply.code} ${f.reply.text}`, ...timing };
        // A server that will not even greet or EHLO: try the next MX host, as Postfix does.
        if (f.stage === 'greeting' || f.stage === 'ehlo' || f.stage === 'starttls') {
          if (v.status === 'bounced') lastPermanent = v;
          else lastTemporary = v;
          continue;
        }
        return all(v);
      }
      const verdicts = new Map<string, Verdict>();
      for (const r of job.recipients) {
        const reply = outcome.recipients.get(r);
        if (!reply) {
          verdicts.set(r, { status: 'deferred', relay: where, dsn: '4.4.2', reason: `lost connection with ${host.name}[${address}] while sending RCPT TO`, ...timing });
        } else if (reply.code < 300) {
          verdicts.set(r, { status: 'sent', relay: where, dsn: dsnOf(reply), reason: `${reply.code} ${reply.text}`, ...timing });
        } else {
          const inReplyTo = reply.stage === 'rcpt' ? 'RCPT TO' : reply.stage === 'data' ? 'DATA' : 'end of DATA';
          verdicts.set(r, {
            status: reply.code >= 500 ? 'bounced' : 'deferred',
            relay: where,
            dsn: dsnOf(reply),
            reason: `host ${host.name}[${address}] said: ${reply.code} ${reply.text} (in reply to ${inReplyTo} command)`,
            remoteMta: where,
            diagnostic: `${reply.code} ${reply.text}`,
            ...timing,
          });
        }
      }
      return verdicts;
    }
  }
  return all(lastTemporary ?? lastPermanent ?? { status: 'deferred', relay: 'none', dsn: '4.4.3', reason: `no mail host found for ${job.domain}` });
}
