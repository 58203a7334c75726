/**
 * Which real tool judges which grader's answers. Every judge returns the reasons the tools
 * refuse an answer (none: they accept it). The self-test compares that with the grader.
 */
import type { Exercise } from '../../lab-server/src/grading/exercises.js';
import { startLabAuth } from './dovecot.js';
import { planDns, type DnsPlan } from './judgeDns.js';
import { judgeMailLocation } from './judgeDovecot.js';
import { judgeRelay, judgeVirtual } from './judgePostfix.js';
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
const POSTFIX_GRADERS = new Set(['postfix-relay', 'postfix-virtual']);
const DOVECOT_GRADERS = new Set(['dovecot-maildir']);

export function canJudge(graderName: string): boolean {
  return DNS_GRADERS.has(graderName) || POSTFIX_GRADERS.has(graderName) || DOVECOT_GRADERS.has(graderName);
}

async function judgeDns(cases: Case[]): Promise<Judged[]> {
  const plans: DnsPlan[] = await inPool(cases, 4, (c) => planDns(c.exercise.grader.name, c.exercise.grader.params as never, c.answer as string));
  const results = await askMailauth(plans.map((p) => (p.reasons.length ? { records: [], tasks: [] } : { records: p.records, tasks: p.tasks })));
  return cases.map((c, i) => ({ ...c, reasons: plans[i]!.reasons.length ? plans[i]!.reasons : plans[i]!.finish(results[i]!) }));
}

async function judgePostfix(cases: Case[]): Promise<Judged[]> {
  if (cases.length === 0) return [];
  const auth = await startLabAuth();
  try {
    return await inPool(cases, 3, async (c) => {
      const params = c.exercise.grader.params as never;
      const answer = c.answer as string;
      const reasons = c.exercise.grader.name === 'postfix-relay' ? await judgeRelay(params, answer, auth.socket) : await judgeVirtual(params, answer);
      return { ...c, reasons };
    });
  } finally {
    await auth.stop();
  }
}

async function judgeDovecot(cases: Case[]): Promise<Judged[]> {
  return inPool(cases, 2, async (c) => ({ ...c, reasons: await judgeMailLocation(c.exercise.grader.params as never, c.answer as string) }));
}

/** Runs every case through its real tools, several at once. */
export async function judgeAll(cases: Case[]): Promise<Judged[]> {
  const of = (graders: Set<string>) => cases.filter((c) => graders.has(c.exercise.grader.name));
  const groups = await Promise.all([judgeDns(of(DNS_GRADERS)), judgePostfix(of(POSTFIX_GRADERS)), judgeDovecot(of(DOVECOT_GRADERS))]);
  return groups.flat();
}
