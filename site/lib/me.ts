/** Who the page belongs to (GET /api/me), asked once per page and shared by its parts. */
import { call } from '../components/classroom/api';
import type { Lang } from '../i18n/ui';

export interface Me {
  mode: 'single' | 'classroom';
  learner: { displayName: string | null } | null;
  class?: { name: string };
  mailboxes: Array<{ address: string; password: string }>;
  /** The host and ports mail clients use (in a cluster: the node that holds this learner's lab). */
  mailServer?: { host: string; ports: Record<string, number> };
  assignments: Array<{ exerciseId: string; title?: Record<Lang, string>; dueAt: string | null; passed: boolean; late: boolean }>;
}

let asked: Promise<Me> | undefined;

export function fetchMe(): Promise<Me> {
  // An ApiError carries the server's words (the learner's node is down, …).
  asked ??= call<Me>('GET', '/api/me');
  asked.catch(() => (asked = undefined));
  return asked;
}

/** Classroom mode and nobody logged in: terminals and exercises wait for a join or login. */
export function mustLogIn(me: Me): boolean {
  return me.mode === 'classroom' && me.learner === null;
}
