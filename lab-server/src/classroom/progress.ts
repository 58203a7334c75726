/**
 * A class's progress as the instructor reads it: the learners × exercises matrix (JSON for the
 * dashboard) and the same figures as a CSV for a spreadsheet. Learners come in the store's
 * class-list order, so the page and the download list them alike.
 */
import { plural } from '../grading/feedback.js';
import type { ExerciseCatalog } from '../grading/exercises.js';
import type { ClassInfo, ClassroomStore } from '../store/classroom.js';
import { csvCell } from './csvCells.js';

/** Seen in the last five minutes, or with a terminal open: "active now". */
const ACTIVE_MS = 5 * 60 * 1000;

interface MatrixCell {
  passed: boolean;
  attempts: number;
  lastAttemptAt: string;
  late: boolean;
}

export type ProgressMatrix = Awaited<ReturnType<typeof progressMatrix>>;

/**
 * The progress matrix. Each learner's cells arrive as JSON text made by the database and are
 * put into the answer as they are: a class of 1,000 × 34 never becomes 34,000 objects here.
 */
export async function progressMatrix(store: ClassroomStore, catalog: ExerciseCatalog, terminalOwners: Set<string>, klass: ClassInfo) {
  const ids = catalog.list.map((e) => e.id);
  const [members, assignments, cells, passes] = await Promise.all([store.members(klass.id), store.assignments(klass.id), store.progressCells(klass.id, ids), store.passCounts(klass.id)]);
  const due = new Map(assignments.map((a) => [a.exerciseId, a.dueAt]));
  const exercises = catalog.list.map((e) => ({ id: e.id, chapter: e.chapter, title: e.title, assigned: due.has(e.id), ...(due.get(e.id) ? { dueAt: due.get(e.id) } : {}) }));
  const now = Date.now();
  const learners = members.map((m) => ({
    id: m.learnerId,
    displayName: m.displayName,
    joinedAt: m.joinedAt,
    lastSeenAt: m.lastSeenAt,
    activeNow: terminalOwners.has(m.learnerId) || now - Date.parse(m.lastSeenAt) < ACTIVE_MS,
    cellsJson: cells.get(m.learnerId) ?? '{}',
  }));
  const passRate = Object.fromEntries(ids.map((id) => [id, members.length === 0 ? 0 : (passes.get(id) ?? 0) / members.length]));
  return { exercises, learners, passRate };
}

/** The matrix as the dashboard reads it: {exercises, learners: [{…, cells}], passRate}. */
export function matrixJson(m: ProgressMatrix): string {
  const learners = m.learners.map(({ cellsJson, ...l }) => `${JSON.stringify(l).slice(0, -1)},"cells":${cellsJson}}`);
  return `{"exercises":${JSON.stringify(m.exercises)},"learners":[${learners.join(',')}],"passRate":${JSON.stringify(m.passRate)}}`;
}

/** The matrix as CSV: a row per learner, then the pass rates. */
export function progressCsv(m: ProgressMatrix): string {
  const header = ['learner', 'last seen', ...m.exercises.map((e) => e.id)];
  const status = (c: MatrixCell | undefined): string => (!c ? '' : `${c.passed ? 'passed' : 'not passed'} (${plural(c.attempts, 'attempt')}${c.late ? ', late' : ''})`);
  const rows = m.learners.map((l) => {
    const cells = JSON.parse(l.cellsJson) as Record<string, MatrixCell>;
    return [l.displayName, l.lastSeenAt, ...m.exercises.map((e) => status(cells[e.id]))];
  });
  const passRow = ['pass rate', '', ...m.exercises.map((e) => `${Math.round((m.passRate[e.id] ?? 0) * 100)}%`)];
  // A byte-order mark makes spreadsheets read the file as UTF-8 (Chinese names included).
  return '\uFEFF' + [header, ...rows, passRow].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * A header parameter's value in UTF-8, as RFC 8187 §3.2 writes it: encodeURIComponent leaves
 * ' ( ) * as they are, which the grammar does not allow; a browser then dropped the whole name
 * ("王老师's 邮件课" was downloaded as "-s---progress.csv").
 */
const extValue = (value: string): string => encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The CSV's headers: downloaded under the class's own name (an ASCII fallback for old clients). */
export function csvHeaders(className: string): Record<string, string> {
  const file = `${className.replace(/[^\w-]+/g, '-') || 'class'}-progress.csv`;
  return {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${file}"; filename*=UTF-8''${extValue(`${className}-progress.csv`)}`,
  };
}
