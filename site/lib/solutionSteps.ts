/**
 * A protocol task's reference solution as steps to show: the terminal sessions (what to type)
 * and, for the mail-world experiments, the changes around them (edit a zone, stop a server,
 * arm faults, flush the queue, wait) and what should happen. Two shapes exist: {sessions: [...]}
 * and {steps: [{session}, {zone, replace|regex|restore}, {mta, action}, {faults}, {flush}, {wait}, {expect}]}.
 */
import type { FaultSpec } from '../../lab-server/src/mta/faults/spec.ts';

export type SolutionStep =
  | { kind: 'session'; service: string; lines: string[] }
  | { kind: 'zone'; zone: string; from?: string; to?: string; restore?: boolean }
  | { kind: 'mta'; mta: string; action: string }
  | { kind: 'flush' }
  | { kind: 'faults'; faults: FaultSpec[] }
  | { kind: 'wait'; minutes: number }
  | { kind: 'expect'; outcome: string };

interface Session {
  service: string;
  lines: string[];
}

type RawStep = {
  session?: Session;
  zone?: string;
  replace?: [string, string];
  regex?: [string, string];
  restore?: boolean;
  mta?: string;
  action?: string;
  flush?: boolean;
  faults?: FaultSpec[];
  wait?: number;
  expect?: string;
};

function step(raw: RawStep): SolutionStep | undefined {
  if (raw.session) return { kind: 'session', service: raw.session.service, lines: raw.session.lines };
  if (raw.zone && raw.restore) return { kind: 'zone', zone: raw.zone, restore: true };
  if (raw.zone && raw.replace) return { kind: 'zone', zone: raw.zone, from: raw.replace[0], to: raw.replace[1] };
  if (raw.zone && raw.regex) return { kind: 'zone', zone: raw.zone, to: raw.regex[1] };
  if (raw.mta && raw.action) return { kind: 'mta', mta: raw.mta, action: raw.action };
  if (raw.flush) return { kind: 'flush' };
  if (Array.isArray(raw.faults)) return { kind: 'faults', faults: raw.faults };
  if (typeof raw.wait === 'number') return { kind: 'wait', minutes: raw.wait };
  if (raw.expect) return { kind: 'expect', outcome: raw.expect };
  return undefined;
}

export function solutionSteps(solution: unknown): SolutionStep[] {
  const s = (solution ?? {}) as { sessions?: Session[]; steps?: RawStep[] };
  if (Array.isArray(s.sessions)) return s.sessions.map((x) => ({ kind: 'session', service: x.service, lines: x.lines }));
  if (Array.isArray(s.steps)) return s.steps.map(step).filter((x): x is SolutionStep => x !== undefined);
  return [];
}

/** The services whose terminals a solution types into, first use first. */
export function sessionServices(solution: unknown): string[] {
  return [...new Set(solutionSteps(solution).flatMap((x) => (x.kind === 'session' ? [x.service] : [])))];
}
