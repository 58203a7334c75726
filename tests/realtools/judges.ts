/**
 * Which real tool judges which grader's answers. Every judge returns the reasons the tools
 * refuse an answer (none: they accept it). The self-test compares that with the grader.
 */
import type { Exercise } from '../../lab-server/src/grading/exercises.js';
import { askMailauth } from './mailauth.js';
import { planDns, type DnsPlan } from './judgeDns.js';
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
  reasons: string[];
}

const DNS_GRADERS = new Set(['dns-mx', 'dns-spf', 'dns-dkim', 'dns-dmarc', 'dns-ptr', 'dns-zone']);

export function canJudge(graderName: string): boolean {
  return DNS_GRADERS.has(graderName);
}

/** Runs every case through its real tools, several at once. */
export async function judgeAll(cases: Case[]): Promise<Judged[]> {
  const dns = cases.filter((c) => DNS_GRADERS.has(c.exercise.grader.name));
  const plans: DnsPlan[] = await inPool(dns, 4, (c) => planDns(c.exercise.grader.name, c.exercise.grader.params as never, c.answer as string));
  const ready = plans.map((p) => (p.reasons.length ? { records: [], tasks: [] } : { records: p.records, tasks: p.tasks }));
  const results = await askMailauth(ready);
  const judged: Judged[] = dns.map((c, i) => ({ ...c, reasons: plans[i]!.reasons.length ? plans[i]!.reasons : plans[i]!.finish(results[i]!) }));
  return judged;
}
