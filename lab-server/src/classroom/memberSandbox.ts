/**
 * A class member's sandbox: made at the join with a world of its own, and possibly gone later
 * (removed with `maillab sandbox delete`, or its files lost) while the member and their answers
 * stay in the store. The instructor's views then say so, and "Reset sandbox" makes it afresh.
 */
import { text } from '../grading/feedback.js';
import { defaultWorld, type WorldDefinition } from '../world/definition.js';
import type { Sandbox } from '../world/sandbox.js';
import { UnknownSandbox, type Sandboxes } from '../world/sandboxes.js';
import { generatePassword } from './passwords.js';

/** A learner's world: a full copy of the default world, with mailbox passwords of its own. */
export function learnerWorld(): WorldDefinition {
  const world = defaultWorld();
  world.users = world.users.map((u) => ({ ...u, password: generatePassword() }));
  return world;
}

/** A member's sandbox, or undefined when it is gone. */
export function memberSandbox(sandboxes: Sandboxes, id: string): Promise<Sandbox | undefined> {
  return sandboxes.get(id).catch((err: unknown) => {
    if (err instanceof UnknownSandbox) return undefined;
    throw err;
  });
}

/** Said of a member whose sandbox is gone. */
export const SANDBOX_GONE = text(
  'This learner has no sandbox on this lab any more (it was removed, or its files were lost). Their answers are kept; "Reset sandbox" gives them a fresh one.',
  '这名学生在本实验室已没有沙箱（已被删除，或文件丢失）。他们的答题记录仍然保留；点“重置沙箱”可为其新建一个。',
);
