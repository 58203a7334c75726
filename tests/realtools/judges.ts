/**
 * Which real tool judges which grader's answers. Every judge returns the reasons the tools
 * refuse an answer (none: they accept it). The self-test compares that with the grader.
 */
import type { Exercise } from '../../lab-server/src/grading/exercises.js';
import { startLabAuth } from './dovecot.js';
import { planDns, type DnsPlan } from './judgeDns.js';
import { judgeDkimSigner } from './judgeDkim.js';
import { judgeAuthDatabases, judgeMailLocation } from './judgeDovecot.js';
import { judgeLimits } from './judgeLimits.js';
import { judgeRelay, judgeVirtual } from './judgePostfix.js';
import { judgePostfixLmtp, judgePostfixSasl } from './judgeSockets.js';
import { judgeSubmission } from './judgeSubmission.js';
import { judgeDovecotTls, judgePostfixTls } from './judgeTls.js';
import { askMailauth } from './mailauth.js';
import { inPool } from './process.js';

export interface Case {
  exercise: Exercise;
  /** solution, right[i] or wrong[i]. */
  label: string;
  answer: unknown;
  /** What the exercise file claims. */
  expectPass: boolean;
}

export interface Judged extends Case {
  /** Why the tools refuse the answer (empty: they accept it); undefined when no tool here can judge it. */
  reasons: string[] | undefined;
}

const DNS_GRADERS = new Set(['dns-mx', 'dns-spf', 'dns-dkim', 'dns-dmarc', 'dns-ptr', 'dns-zone']);

type Judge = (params: never, answer: string, dovecotAuth: string) => Promise<string[] | undefined>;

/** Judges that start real servers, by grader: each gets a Dovecot socket for SASL if it wants one. */
const SERVER_JUDGES: Record<string, Judge> = {
  'postfix-relay': judgeRelay,
  'postfix-virtual': judgeVirtual,
  'postfix-submission': judgeSubmission,
  'postfix-tls': judgePostfixTls,
  'postfix-limits': judgeLimits,
  'postfix-sasl': judgePostfixSasl,
  'postfix-lmtp': judgePostfixLmtp,
  'dovecot-maildir': judgeMailLocation,
  'dovecot-tls': judgeDovecotTls,
  'dovecot-auth': judgeAuthDatabases,
  'dkim-signer': judgeDkimSigner,
};

export function canJudge(graderName: string): boolean {
  return DNS_GRADERS.has(graderName) || graderName in SERVER_JUDGES;
}

async function judgeDns(cases: Case[]): Promise<Judged[]> {
  const plans: DnsPlan[] = await inPool(cases, 4, (c) => planDns(c.exercise.grader.name, c.exercise.grader.params as never, c.answer as string));
  const results = await askMailauth(plans.map((p) => (p.reasons.length ? { records: [], tasks: [] } : { records: p.records, tasks: p.tasks })));
  return cases.map((c, i) => ({ ...c, reasons: plans[i]!.reasons.length ? plans[i]!.reasons : plans[i]!.finish(results[i]!) }));
}

async function judgeWithServers(cases: Case[]): Promise<Judged[]> {
  if (cases.length === 0) return [];
  const auth = await startLabAuth();
  try {
    // Eight at once: a judge mostly waits (for master to start its daemons, for replies, for
    // delivery), so the cores stay far from busy.
    return await inPool(cases, 8, async (c) => ({ ...c, reasons: await SERVER_JUDGES[c.exercise.grader.name]!(c.exercise.grader.params as never, c.answer as string, auth.socket) }));
  } finally {
    await auth.stop();
  }
}

/** Runs every case through its real tools, several at once. */
export async function judgeAll(cases: Case[]): Promise<Judged[]> {
  const dns = cases.filter((c) => DNS_GRADERS.has(c.exercise.grader.name));
  const servers = cases.filter((c) => c.exercise.grader.name in SERVER_JUDGES);
  return (await Promise.all([judgeDns(dns), judgeWithServers(servers)])).flat();
}
