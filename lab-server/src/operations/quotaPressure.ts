/**
 * How close the sandboxes in use are to their disk quotas, and how much they may still write
 * between them. Read from the counts the sandboxes already keep (never a walk of the disk), so
 * a readiness probe or a scrape costs the same with one learner or five hundred.
 */
import type { QuotaLimits, Usage } from '../quota/usage.js';

/** A sandbox this close to either of its limits is "near"; this close, "full" (its next message will not fit). */
const NEAR = 0.9;
const FULL = 0.99;

export interface QuotaPressure {
  limits: QuotaLimits;
  /** Sandboxes open in this process. */
  sandboxes: number;
  /** Of those, the ones not measured yet (nobody wrote to them since the lab started): counted as empty. */
  unmeasured: number;
  near: number;
  full: number;
  /** Bytes the open sandboxes may still write under their quotas, all together. */
  openBytes: number;
}

/** `usages`: one entry per open sandbox, undefined when its usage is not known yet. */
export function quotaPressure(limits: QuotaLimits, usages: Array<Usage | undefined>): QuotaPressure {
  const p: QuotaPressure = { limits, sandboxes: usages.length, unmeasured: 0, near: 0, full: 0, openBytes: 0 };
  for (const u of usages) {
    if (!u) {
      p.unmeasured++;
      p.openBytes += limits.bytes;
      continue;
    }
    const share = Math.max(u.bytes / u.limits.bytes, u.messages / u.limits.messages);
    if (share >= FULL) p.full++;
    else if (share >= NEAR) p.near++;
    p.openBytes += Math.max(0, u.limits.bytes - u.bytes);
  }
  return p;
}
