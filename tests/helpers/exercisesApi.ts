/**
 * The exercises API as a browser calls it, over real HTTP: JSON in and out, the learner cookie
 * by hand (a test plays several browsers at once). `lab` is read at each call, so a test may
 * restart the lab in between.
 */
import { expect } from 'vitest';
import type { TestLab } from './lab.js';

export interface ApiReply {
  status: number;
  body: any;
  setCookie: string | null;
}

export interface ExercisesApi {
  call(path: string, init?: RequestInit & { cookie?: string }): Promise<ApiReply>;
  post(path: string, body: unknown, cookie?: string): Promise<ApiReply>;
  /** A new learner: a browser becomes one with its first recorded attempt (here a wrong SPF record). */
  newLearner(): Promise<string>;
}

export function exercisesApi(lab: () => TestLab): ExercisesApi {
  const call = async (path: string, init: RequestInit & { cookie?: string } = {}): Promise<ApiReply> => {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    const res = await fetch(`http://127.0.0.1:${lab().httpPort}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, setCookie: res.headers.get('set-cookie') };
  };
  const post = (path: string, body: unknown, cookie?: string): Promise<ApiReply> =>
    call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...(cookie ? { cookie } : {}) });
  return {
    call,
    post,
    async newLearner() {
      const r = await post('/api/exercises/dns-spf/attempts', { answer: 'not an SPF record' });
      expect(r.setCookie).toMatch(/^maillab_learner=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
      return r.setCookie!.split(';')[0]!;
    },
  };
}
