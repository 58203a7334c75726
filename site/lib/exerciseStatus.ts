/**
 * Marks exercise links with this learner's status, from GET /api/exercises: the exercise list
 * and a lesson's "Exercises for this chapter". Each list is an element with
 * data-status-labels (the words, in the page's language) holding [data-exercise-id] items,
 * each with an .exercise-status slot; an optional [data-summary] gets "passed n of m".
 * In classroom mode without a login, [data-needs-login] notices are shown instead.
 */
import { fill } from '../i18n/fill';
import { ExerciseApiError, listExercises, type ListedExercise } from './exerciseApi';

interface Labels {
  passed: string;
  attempted: string;
  new: string;
  /** "... {passed} ... {total} ..." */
  summary?: string;
}

function mark(list: HTMLElement, byId: Map<string, ListedExercise>): void {
  const labels = JSON.parse(list.dataset.statusLabels ?? '{}') as Labels;
  const items = [...list.querySelectorAll<HTMLElement>('[data-exercise-id]')];
  let passed = 0;
  for (const item of items) {
    const exercise = byId.get(item.dataset.exerciseId ?? '');
    if (!exercise) continue;
    item.dataset.status = exercise.status;
    if (exercise.status === 'passed') passed++;
    const slot = item.querySelector('.exercise-status');
    if (slot) slot.textContent = labels[exercise.status];
  }
  const summary = list.querySelector<HTMLElement>('[data-summary]');
  if (summary && labels.summary) {
    summary.textContent = fill(labels.summary, { passed, total: items.length }, document.documentElement.lang);
    summary.hidden = false;
  }
}

function showLoginNotices(): void {
  for (const notice of document.querySelectorAll<HTMLElement>('[data-needs-login]')) {
    const link = notice.querySelector<HTMLAnchorElement>('a[data-join]');
    if (link) link.href = link.dataset.join!;
    notice.hidden = false;
  }
}

async function markAll(): Promise<void> {
  const lists = [...document.querySelectorAll<HTMLElement>('[data-status-labels]')];
  if (lists.length === 0) return;
  let exercises: ListedExercise[];
  try {
    exercises = await listExercises();
  } catch (err) {
    if (err instanceof ExerciseApiError && err.needsLogin) showLoginNotices();
    // Otherwise the lab is unreachable: the links still work, without marks.
    return;
  }
  const byId = new Map(exercises.map((e) => [e.id, e]));
  for (const list of lists) mark(list, byId);
}

// On an exercise page the workbench asks the API first (a first visit gets its learner cookie
// from that one request) and announces every change, so the marks follow a pass at once.
if (document.querySelector('[data-workbench]')) window.addEventListener('maillab:progress', () => void markAll());
else void markAll();
