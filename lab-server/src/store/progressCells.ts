/**
 * The SQL that writes the instructor dashboard's matrix cells: one JSON object per member who
 * tried any of the asked exercises, {exerciseId: {passed, attempts, lastAttemptAt, late}}. The
 * database writes the JSON text from the kept progress rows, so a class of 1,000 × 34 makes
 * 1,000 strings in the lab, not 34,000 objects. Plain concatenation is safe here: exercise ids
 * are [a-z0-9-] (and only the catalog's are asked for), times are the ISO strings the store
 * wrote. Late: passed only after the due date, or not passed and tried after it.
 */
import type { Sql } from './sql.js';

/** How each engine spells the aggregate that joins a group's strings. */
const JOIN_TEXT: Record<Sql['dialect'], string> = { sqlite: 'group_concat', postgres: 'string_agg' };

/** The query for `exercises` exercise ids; its parameters are the class id, then the ids. Rows: learner_id, cells. */
export function progressCellsQuery(dialect: Sql['dialect'], exercises: number): string {
  const bool = (condition: string): string => `CASE WHEN ${condition} THEN 'true' ELSE 'false' END`;
  const late = bool('a.due_at IS NOT NULL AND CASE WHEN p.first_passed_at IS NOT NULL THEN p.first_passed_at > a.due_at ELSE p.last_attempt_at > a.due_at END');
  const cell = `'"' || p.exercise_id || '":{"passed":' || ${bool('p.passed = 1')} || ',"attempts":' || p.attempts || ',"lastAttemptAt":"' || p.last_attempt_at || '","late":' || ${late} || '}'`;
  return `SELECT m.learner_id, '{' || ${JOIN_TEXT[dialect]}(${cell}, ',') || '}' AS cells
         FROM class_members m
         JOIN exercise_progress p ON p.learner_id = m.learner_id
         LEFT JOIN assignments a ON a.class_id = m.class_id AND a.exercise_id = p.exercise_id
        WHERE m.class_id = ? AND p.exercise_id IN (${Array.from({ length: exercises }, () => '?').join(', ')})
        GROUP BY m.learner_id`;
}
