/**
 * The real Postfix's verdict on a main.cf exercise answer. postconf must accept the file; then
 * smtpd answers for real: for the relay exercise a stranger relaying (also with a forged
 * sender), an authenticated user relaying and a stranger writing to a local user; for the
 * virtual mailbox exercises every user gets a message that virtual(8) must really deliver to
 * the Maildir the table names, an unknown address must be refused by the virtual mailbox
 * table, and trivial-rewrite must not warn about a domain in two address classes.
 */
import { runPostfix, type PostfixRun } from './postfix.js';
import { runTool } from './process.js';
import type { Probe } from './smtpProbe.js';

interface Params {
  given?: string;
  /** The exercise's master.cf services (the relay exercise: AUTH on submission only). */
  masterCf?: string;
  table?: string[];
  localDomain?: string;
  domains?: string[];
  base?: string;
  maps?: string;
}

const TABLE_PATH = '/etc/postfix/vmailbox';

function tableFile(p: Params) {
  return p.table ? [{ path: TABLE_PATH, text: p.table.join('\n'), postmap: true }] : [];
}

function common(run: PostfixRun): string[] {
  const reasons: string[] = [];
  if (run.postconf.code !== 0) reasons.push(`postconf refuses main.cf: ${run.postconf.messages.join(' | ')}`);
  for (const l of run.log.filter((x) => /fatal:|do not list domain|null transport|unsupported dictionary|unknown smtpd restriction/i.test(x))) reasons.push(`mail log: ${l.replace(/^.*?postfix\//, 'postfix/')}`);
  return reasons;
}

const accepted = (reply: string): boolean => reply.startsWith('250');

/** The parameters Postfix knows (postconf -d), asked once. */
let knownNames: Promise<Set<string>> | undefined;
function postfixNames(): Promise<Set<string>> {
  knownNames ??= runTool('postconf', ['-d']).then((r) => new Set(r.stdout.split('\n').map((l) => l.split(' = ')[0]!.trim())));
  return knownNames;
}

/**
 * Access tables kept in files: their contents are not in the answer, so nothing can judge it.
 * Only in settings Postfix reads: not in comments, nor under a name it ignores
 * ("SMTPD_RELAY_RESTRICTIONS = ... check_client_access hash:..." once made the judge give up).
 */
async function unseenTables(text: string): Promise<string[]> {
  const names = await postfixNames();
  const logical: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    if (/^\s/.test(line) && logical.length) logical[logical.length - 1] += ` ${line.trim()}`;
    else logical.push(line);
  }
  const read = logical.filter((l) => names.has(/^([^\s=]+)\s*=/.exec(l)?.[1] ?? '')).join('\n');
  return [...read.matchAll(/check_\w+_access\s+([a-z]+:[^\s,{]+)/gi)].map((m) => m[1]!).filter((t) => !/^(static|inline|cidr):/i.test(t));
}

export async function judgeRelay(p: Params, answer: string, dovecotAuth: string): Promise<string[]> {
  const unseen = await unseenTables(answer);
  if (unseen.length) return [`the answer depends on ${unseen.join(', ')}, a table whose contents are not part of it`];
  const local = p.localDomain ?? 'example.com';
  const probes: Probe[] = [
    { ip: '203.0.113.5', from: 'someone@example.net', to: 'someone@gmail.com' },
    { ip: '203.0.113.5', from: `alice@${local}`, to: 'someone@gmail.com' },
    // Users log in where master.cf lets them: the submission service, when the exercise has one.
    { ip: '198.51.100.7', login: `alice@${local}`, from: `alice@${local}`, to: 'someone@gmail.com', ...(p.masterCf ? { service: 'submission' } : {}) },
    { ip: '203.0.113.5', from: 'someone@example.net', to: `bob@${local}` },
  ];
  const masterCf = p.masterCf ? `smtp inet n - n - - smtpd\n${p.masterCf}` : undefined;
  const run = await runPostfix({ mainCf: `${p.given ?? ''}\n${answer}`, masterCf, files: tableFile(p), probes, dovecotAuth });
  const reasons = common(run);
  const [stranger, forger, user, inbound] = run.probes;
  if (!stranger || run.probes.length < probes.length) return [...reasons, `smtpd stopped answering (${run.log.join(' | ') || 'no log'})`];
  if (p.masterCf && /\b250[- ]AUTH\b/.test(stranger.firstEhlo)) reasons.push(`port 25 offers AUTH to strangers: ${stranger.firstEhlo.split(' | ').find((l) => /AUTH/.test(l))}`);
  if (accepted(stranger.rcpt)) reasons.push(`open relay: smtpd accepts a stranger's mail for gmail.com (${stranger.rcpt})`);
  if (forger && accepted(forger.rcpt)) reasons.push(`open relay: smtpd accepts a stranger with sender ${forger.from} (${forger.rcpt})`);
  if (user && !accepted(user.rcpt)) reasons.push(`an authenticated user may not relay: ${user.rcpt}`);
  if (inbound && !accepted(inbound.rcpt)) reasons.push(`mail for ${inbound.to} is refused: ${inbound.rcpt}`);
  return reasons;
}

export async function judgeVirtual(p: Params, answer: string): Promise<string[]> {
  const users = (p.table ?? []).map((l) => l.trim().split(/\s+/) as [string, string]);
  const probes: Probe[] = users.map(([address]) => ({ ip: '203.0.113.5', from: 'someone@example.net', to: address, data: `From: someone@example.net\nTo: ${address}\nSubject: judge\n\nDelivered by the real Postfix.` }));
  for (const domain of p.domains ?? []) probes.push({ ip: '203.0.113.5', from: 'someone@example.net', to: `nobody@${domain}` });
  const run = await runPostfix({ mainCf: `${p.given ?? ''}\n${answer}`, files: tableFile(p), probes, settle: 8 });
  const reasons = common(run);
  if (run.probes.length < probes.length && reasons.length === 0) reasons.push(`smtpd stopped answering (${run.log.join(' | ') || 'no log'})`);
  for (const probe of run.probes) {
    if (probe.to.startsWith('nobody@')) {
      if (!/User unknown in virtual mailbox table/.test(probe.rcpt)) reasons.push(`${probe.to} is not refused by the virtual mailbox table: ${probe.rcpt}`);
    } else if (!accepted(probe.rcpt)) reasons.push(`mail for ${probe.to} is refused: ${probe.rcpt}`);
  }
  for (const [address, path] of users) {
    const dir = `${(p.base ?? '').replace(/\/+$/, '')}/${path}new/`;
    if (!run.delivered.some((f) => f.startsWith(dir))) {
      const status = run.log.filter((l) => l.includes(`<${address}>`) && /status=/.test(l)).map((l) => l.replace(/^.*status=/, 'status='));
      reasons.push(`no message for ${address} in ${dir}${status.length ? ` (${status.join('; ')})` : ''}; delivered: ${run.delivered.join(', ') || 'nothing'}`);
    }
  }
  return reasons;
}
