/**
 * The fault boards of several sandboxes at once, as an instructor's class-wide fault needs
 * them. In one lab every board is here; in a cluster each node applies the change to the
 * sandboxes it holds (cluster/faultBoards.ts sends the rest to their nodes).
 */
import type { Sandboxes } from '../../world/sandboxes.js';
import type { MailWorld } from '../mailWorld.js';
import type { ArmedBy, FaultView, NewFault } from './board.js';
import type { Bilingual } from './spec.js';

/** What to do to each board: read it, or change what one party armed there. */
export type BoardChange =
  | { kind: 'list' }
  | { kind: 'replace'; by: ArmedBy; faults: NewFault[] }
  | { kind: 'add'; by: ArmedBy; fault: NewFault }
  | { kind: 'remove'; by: ArmedBy; id: string };

/**
 * One board after the change: its faults (and whether a remove found the fault); `full` when
 * it already held as many faults as it may; `problem` when its node could not be asked.
 */
export type BoardResult = { faults: FaultView[]; removed?: boolean } | { full: true } | { problem: Bilingual };

/** Applies a change to the boards of `sandboxIds`, resolving to one result each, in order. */
export type FaultBoards = (sandboxIds: readonly string[], change: BoardChange) => Promise<BoardResult[]>;

export function localFaultBoards(world: MailWorld, sandboxes: Sandboxes): FaultBoards {
  return async (sandboxIds, change) => {
    const results: BoardResult[] = [];
    for (const id of sandboxIds) {
      const board = await world.faults(await sandboxes.get(id));
      try {
        if (change.kind === 'replace') await board.replace(change.by, change.faults);
        if (change.kind === 'add') await board.add(change.by, change.fault);
        const removed = change.kind === 'remove' ? await board.remove(change.by, change.id) : undefined;
        results.push({ faults: board.list(), ...(removed !== undefined ? { removed } : {}) });
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        results.push({ full: true });
      }
    }
    return results;
  };
}
