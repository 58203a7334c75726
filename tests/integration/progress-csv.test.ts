/**
 * The instructor's progress CSV, read by Python's csv module: a display name a learner chose
 * never reaches a spreadsheet as a formula. Full-width ＝ ＋ － ＠ (typed by a CJK input method,
 * read as formulas by spreadsheets in CJK locales), their small and super/subscript forms and
 * the minus sign are defused like the ASCII ones; names that merely contain them are not.
 * The class, its matrix and its CSV list learners in one order, as a class list is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClass, type TestClass } from '../helpers/classroom.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

const FORMULAS = ['=1+1', '+1+1', '-1+1', '@SUM(1)', '＝HYPERLINK("https://x.example","x")', '＋1＋1', '－1', '＠SUM(1)', '﹦1+1', '﹢1', '﹣1', '﹫SUM(1)', '⁼1', '₊1', '⁻1', '−1', '⩵1+1'];
const PLAIN = ['王小明', 'Ann-Lee', 'a=b', '李＝雷', "O'Brien", '"quoted"'];

let lab: TestLab;
let klass: TestClass;
let listed: TestClass;
beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  klass = await makeClass(lab, [...FORMULAS, ...PLAIN]);
  // Joined in an order of their own; lower() (the database's order) put 10 before 2, and Latin before Chinese.
  listed = await makeClass(lab, ['Student 10', '王芳', 'Student 2', '安娜']);
}, 180_000);
afterAll(async () => {
  await lab?.dispose();
});

describe('progress CSV', () => {
  it('defuses every formula start in a learner name, full-width and compatibility forms included, and leaves other names as they are', async () => {
    const response = await fetch(`http://127.0.0.1:${lab.httpPort}/api/classes/${klass.classId}/progress.csv`, { headers: { cookie: klass.instructorCookie } });
    expect(response.status).toBe(200);
    const read = await python(
      `import csv, io
rows = list(csv.reader(io.StringIO(P['csv'].lstrip('\\ufeff'), newline='')))
print(json.dumps([r[0] for r in rows[1:-1]]))`,
      { csv: await response.text() },
    );
    expect(read.stderr).toBe('');
    const names = JSON.parse(read.stdout) as string[];
    expect(names).toHaveLength(FORMULAS.length + PLAIN.length);
    for (const name of FORMULAS) expect(names, name).toContain(`'${name}`);
    for (const name of PLAIN) expect(names, name).toContain(name);
  });

  it('lists learners in one order in the class, its matrix and its CSV: Chinese names by pinyin, Student 2 before Student 10', async () => {
    const get = (path: string) => fetch(`http://127.0.0.1:${lab.httpPort}/api/classes/${listed.classId}${path}`, { headers: { cookie: listed.instructorCookie } });
    const order = ['安娜', '王芳', 'Student 2', 'Student 10'];
    const klassAnswer = (await (await get('')).json()) as { learners: Array<{ displayName: string }> };
    expect(klassAnswer.learners.map((l) => l.displayName)).toEqual(order);
    const matrix = (await (await get('/progress')).json()) as { learners: Array<{ displayName: string }> };
    expect(matrix.learners.map((l) => l.displayName)).toEqual(order);
    const csv = await (await get('/progress.csv')).text();
    expect(csv.split('\r\n').slice(1, 1 + order.length).map((row) => row.split(',')[0])).toEqual(order.map((n) => `"${n}"`));
  });
});
