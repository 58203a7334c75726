/** What the instructor's dashboard reads from GET /api/classes/:id/progress and a learner's page, and words for the audit log. */
import type { Lang } from '../../i18n/ui';
import { tc, tcf } from '../../i18n/classroom';

type Text = Record<Lang, string>;

export interface MatrixExercise {
  id: string;
  chapter: number;
  title: Text;
  assigned: boolean;
  dueAt?: string;
}

export interface Cell {
  passed: boolean;
  attempts: number;
  lastAttemptAt: string;
  late: boolean;
}

export interface Matrix {
  exercises: MatrixExercise[];
  learners: Array<{ id: string; displayName: string; lastSeenAt: string; activeNow: boolean; cells: Record<string, Cell> }>;
  passRate: Record<string, number>;
}

/** A learner as GET /api/classes/:id/learners/:learner gives them, with their id. */
export interface LearnerReport {
  id: string;
  learner: { displayName: string };
  attempts: Array<{ exerciseId: string; passed: boolean; score: number; createdAt: string; feedback: Array<{ level: string; message: Text; hint?: Text }> }>;
  attemptCounts: Record<string, number>;
  /** null when the learner's sandbox is gone (sandboxMissing says so). */
  usage: { bytes: number; messages: number; limits: { bytes: number; messages: number } } | null;
  transcripts: { sessions: TranscriptSession[]; total: number };
  sandboxMissing?: Text;
}

export interface TranscriptSession {
  session: string;
  service: string;
  startedAt: string;
  bytes: number;
}

/** A time as the page's language writes it ('' for none). */
export function when(iso: string | undefined, lang: Lang): string {
  return iso ? new Date(iso).toLocaleString(lang) : '';
}

/** A due date that has passed. */
export function overdue(dueAt: string | null | undefined, now = Date.now()): boolean {
  return Boolean(dueAt) && Date.parse(dueAt!) < now;
}

export interface AuditEntry {
  action: string;
  createdAt: string;
  detail: unknown;
}

/** One audit log entry as a sentence in the page's language. */
export function auditText(entry: AuditEntry, lang: Lang, title: (exerciseId: string) => string): string {
  const d = (entry.detail ?? {}) as Record<string, string | null | undefined>;
  const due = d.dueAt ? new Date(d.dueAt).toLocaleString(lang) : tc(lang, 'noDue');
  switch (entry.action) {
    case 'login':
      return tcf(lang, 'auditLogin', { from: d.from ?? '?' });
    case 'class.create':
      return tcf(lang, 'auditClassCreate', { name: d.name ?? '' });
    case 'assignment.set':
      return tcf(lang, 'auditAssign', { title: title(d.exerciseId ?? ''), due });
    case 'assignment.remove':
      return tcf(lang, 'auditUnassign', { title: title(d.exerciseId ?? '') });
    case 'learner.reset':
      return tcf(lang, 'auditReset', { name: d.displayName ?? '' });
    case 'instructor.password':
      return tc(lang, 'auditInstructorPassword');
    case 'instructor.rename':
      return tcf(lang, 'auditInstructorRename', { from: d.from ?? '', to: d.to ?? '' });
    case 'learner.password':
      return tcf(lang, 'auditPassword', { name: d.displayName ?? '' });
    case 'learner.remove':
      return tcf(lang, 'auditRemove', { name: d.displayName ?? '' });
    default:
      return `${entry.action} ${JSON.stringify(entry.detail)}`;
  }
}
