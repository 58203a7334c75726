/**
 * The differential run of the DNS graders against the real tools: every answer of the DNS
 * exercises, mutated (zoneMutations.ts) `count` times with a seed, graded by the lab and judged
 * by BIND/pyspf/dkimpy/DMARC's grammar. Returns every disagreement. The suite runs a small seeded
 * corpus (tests/integration/graders-differential.test.ts); the big run is by hand:
 *   npx tsx tests/realtools/differential.ts [count per answer] [seed]
 */
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { judgeAll, type Case } from './judges.js';
import { mutateZone, seeded } from './zoneMutations.js';

const DNS = new Set(['dns-mx', 'dns-spf', 'dns-dkim', 'dns-dmarc', 'dns-ptr', 'dns-zone']);

export interface Disagreement {
  exercise: string;
  mutations: string[];
  answer: string;
  grader: string;
  tools: string;
}

export async function mutatedDnsCases(count: number, seed: number): Promise<Array<Case & { mutations: string[] }>> {
  const catalog = await ExerciseCatalog.load();
  const rnd = seeded(seed);
  const out: Array<Case & { mutations: string[] }> = [];
  for (const exercise of catalog.list.filter((e) => DNS.has(e.grader.name))) {
    const origin = (exercise.grader.params as { origin: string }).origin;
    const answers = [exercise.solution, ...exercise.right.map((r) => r.answer), ...exercise.wrong.map((w) => w.answer)] as string[];
    const seen = new Set(answers);
    for (const answer of answers) {
      for (let i = 0; i < count; i++) {
        const m = mutateZone(answer, rnd, origin);
        if (!m || seen.has(m.text)) continue;
        seen.add(m.text);
        out.push({ exercise, label: m.applied.join('+'), answer: m.text, expectPass: false, mutations: m.applied });
      }
    }
  }
  return out;
}

/**
 * Answers differential runs found graded otherwise than the tools judge them, made from the
 * exercises' solutions: [exercise, text replaced, replacement, do the tools accept it].
 */
const FOUND: Array<[string, string, string, boolean]> = [
  // BIND: a backslash before one or two digits is a syntax error, not the digit.
  ['dns-spf', 'v=spf1', 'v=spf\\1', false],
  ['dns-spf', 'ip4:192', 'ip4:1\\92', false],
  // dkimpy and OpenDKIM refuse a key record with an empty tag ("key DNS reply corrupt").
  ['dns-dkim', 'v=DKIM1;', 'v=DKIM1;;', false],
  ['dns-dkim', 'k=rsa; ', 'k=rsa; ;', false],
  // Tag values are case-sensitive: dkimpy knows no key type "RSA".
  ['dns-dkim', 'k=rsa', 'k=RSA', false],
  // The same record written twice another way is one record (BIND keeps one of an RRset's twins).
  ['dns-spf', '@ 3600 IN TXT "v=spf1 mx', '@ IN TXT "v=spf1 \\mx ip4:192.0.2.25 -all"\n@ 3600 IN TXT "v=spf1 mx', true],
  ['dns-mx', '@       IN  MX  20  mail2', '@ IN MX 10 MAIL\n@       IN  MX  20  mail2', true],
  ['dns-ptr', '25      IN  PTR  mail.example.com.', '25 IN PTR MAIL.example.COM.\n25      IN  PTR  mail.example.com.', true],
];

export async function foundCases(): Promise<Array<Case & { mutations: string[] }>> {
  const catalog = await ExerciseCatalog.load();
  return FOUND.map(([id, from, to, accepted]) => {
    const exercise = catalog.get(id)!;
    const answer = (exercise.solution as string).replace(from, to);
    if (answer === exercise.solution) throw new Error(`${id}: its solution no longer holds ${from}`);
    return { exercise, label: to, answer, expectPass: accepted, mutations: [to] };
  });
}

export async function differential(count: number, seed: number): Promise<{ judged: number; disagreements: Disagreement[] }> {
  return judgeAgainstGrader(await mutatedDnsCases(count, seed));
}

export async function judgeAgainstGrader(cases: Array<Case & { mutations: string[] }>): Promise<{ judged: number; disagreements: Disagreement[] }> {
  const verdicts = await judgeAll(cases);
  const disagreements: Disagreement[] = [];
  for (const [i, v] of verdicts.entries()) {
    if (v.reasons === undefined) continue;
    const graded = await grade(v.exercise.grader.name, v.exercise.grader.params, v.answer, {});
    const toolsPass = v.reasons.length === 0;
    if (graded.passed === toolsPass) continue;
    disagreements.push({
      exercise: v.exercise.id,
      mutations: cases[i]!.mutations,
      answer: v.answer as string,
      grader: graded.passed ? 'passes' : graded.feedback.filter((f) => f.level === 'error').map((f) => `${f.code}: ${f.message.en ?? ''}`).join(' | '),
      tools: toolsPass ? 'accept' : v.reasons.join(' | '),
    });
  }
  return { judged: verdicts.length, disagreements };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 20);
  const seed = Number(process.argv[3] ?? 1);
  const { judged, disagreements } = await differential(count, seed);
  for (const d of disagreements) console.log(`--- ${d.exercise} [${d.mutations.join('+')}]\n${d.answer}\n  grader: ${d.grader}\n  tools: ${d.tools}`);
  console.log(`${judged} mutated answers judged, ${disagreements.length} disagreements`);
}
