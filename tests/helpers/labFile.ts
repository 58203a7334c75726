/**
 * The one lab a test file shares: started before its tests, stopped after them and, for files
 * whose tests change the mailboxes, put back to the seeded sandbox after each. It registers the
 * file's hooks, so a file states what it needs instead of repeating them.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { LabConfig } from '../../lab-server/src/lab.js';
import { startTestLab, type TestLab } from './lab.js';

export interface LabFileOptions {
  /** The lab's settings beyond the test defaults. */
  config?: Partial<LabConfig>;
  /** Runs before every test. */
  beforeEach?: (lab: TestLab) => unknown;
  /** Runs after every test, before the reset: closing the clients the test opened. */
  afterEach?: (lab: TestLab) => unknown;
  /** Puts the "default" sandbox back to its seeded mailboxes after every test. */
  reseed?: boolean;
}

export interface LabFile {
  /** The running lab (a function: it starts in beforeAll, and a test may restart it). */
  lab(): TestLab;
  /** Puts a lab the test started on the same data dir (a restart) in the old one's place. */
  replace(next: TestLab): TestLab;
}

/** Registers the file's hooks around one lab; call it at the top level of a test file. */
export function useLabFile(options: LabFileOptions = {}): LabFile {
  let current: TestLab | undefined;
  const lab = (): TestLab => {
    if (!current) throw new Error('the lab starts in beforeAll: read it inside a test or hook');
    return current;
  };
  beforeAll(async () => {
    current = await startTestLab(options.config);
  });
  afterAll(async () => {
    await current?.dispose();
  });
  if (options.beforeEach) {
    const before = options.beforeEach;
    beforeEach(async () => {
      await before(lab());
    });
  }
  if (options.afterEach || options.reseed) {
    afterEach(async () => {
      await options.afterEach?.(lab());
      if (options.reseed) await lab().sandboxes.reset('default');
    });
  }
  return {
    lab,
    replace(next) {
      current = next;
      return next;
    },
  };
}
