/**
 * The lab's DNS data: each sandbox's zones, loaded once and reloaded when a learner saves a
 * zone or the sandbox is reset (there is no cache to wait for, as a real resolver would
 * have: an edit is live at once). A sandbox gets its zones on first use (zonesInPlace). Only
 * the recently asked sandboxes' zones stay loaded (LOADED_BYTES), and parsing them again takes
 * at most a share of the CPU (zoneParseShare.ts).
 */
import { Authority } from '../grading/dns/authority.js';
import type { Sandbox } from '../world/sandbox.js';
import { seededZoneText, zonesInPlace } from '../world/seedZones.js';
import { readZoneText, writeZoneText, zoneName, zoneNames } from '../world/zoneStore.js';
import { LabBusy, WorkQueue } from '../workers/workQueue.js';
import type { DnsFaultCheck } from './interference.js';
import { LabResolver } from './resolver.js';
import { checkZone, type ZoneCheck } from './zoneCheck.js';
import { ZoneParseShare } from './zoneParseShare.js';

/**
 * Memory the loaded zone sets may take together: parsed zones and the answers each keeps worked
 * out (up to 2 MiB a sandbox). Beyond it the least recently asked are let go and loaded again
 * from their files at their next question (a few ms). Every sandbox's zones used to stay loaded
 * for good: a 64 KB zone parses to 1.9 MB, with its answers 2.4 MB a sandbox (40 learners who
 * each saved one and asked 40 names: 99 MB, now 33 MB), and a stranger with a join code could
 * add that much a join.
 */
const LOADED_BYTES = 32 * 1024 * 1024;

/**
 * Saves of one sandbox that may wait behind the one being checked; more are refused at once
 * (ZoneSavesWaiting). Each waiting save holds its zone text, and one client sending 2,000 at once
 * kept some 200 MB waiting for minutes.
 */
const WAITING_SAVES = 4;

/** A zone save refused because earlier saves of the sandbox still wait their turn. */
export class ZoneSavesWaiting extends Error {
  constructor() {
    super(`${WAITING_SAVES} zone saves of this sandbox are already waiting`);
  }
}

interface LoadedZones {
  authority: Promise<Authority>;
  /** Set once loaded. */
  ready?: Authority;
}

export class LabDns {
  /** Least recently asked first. */
  private loaded = new Map<string, LoadedZones>();
  private watched = new WeakSet<Sandbox>();
  /** Parses take turns within a share of the CPU (zoneParseShare.ts). */
  private readonly parses = new ZoneParseShare();
  /** Each sandbox's saves under way: one checked at a time, WAITING_SAVES more waiting. */
  private readonly saving = new Map<string, WorkQueue>();

  constructor(
    private readonly hooks: {
      /** Told of every question the lab's own servers ask (metrics). */
      onQuery?: (rcode: string) => void;
      /** The sandbox's armed DNS faults. */
      interference?: (sandbox: Sandbox) => Promise<DnsFaultCheck | undefined>;
    } = {},
  ) {}

  /** The sandbox's armed DNS faults, for the DNS server and dig. */
  interference(sandbox: Sandbox): Promise<DnsFaultCheck | undefined> {
    return this.hooks.interference?.(sandbox) ?? Promise.resolve(undefined);
  }

  /** The zones of a sandbox, ready to answer. */
  authority(sandbox: Sandbox): Promise<Authority> {
    this.watch(sandbox);
    let entry = this.loaded.get(sandbox.id);
    if (entry) {
      this.loaded.delete(sandbox.id);
    } else {
      const loading: LoadedZones = { authority: this.load(sandbox) };
      loading.authority.then(
        (a) => (loading.ready = a),
        () => this.loaded.get(sandbox.id) === loading && this.loaded.delete(sandbox.id),
      );
      entry = loading;
    }
    this.loaded.set(sandbox.id, entry);
    this.fitBudget(entry);
    return entry.authority;
  }

  /** Lets go of the least recently asked zone sets until the loaded ones fit LOADED_BYTES; never `kept`. */
  private fitBudget(kept: LoadedZones): void {
    let total = 0;
    for (const e of this.loaded.values()) total += e.ready?.memoryBytes ?? 0;
    for (const [id, e] of this.loaded) {
      if (total <= LOADED_BYTES || e === kept) break;
      this.loaded.delete(id);
      total -= e.ready?.memoryBytes ?? 0;
    }
  }

  /** A resolver that answers from this sandbox's zones. */
  resolver(sandbox: Sandbox): LabResolver {
    return new LabResolver(() => this.authority(sandbox), undefined, {
      ...(this.hooks.onQuery ? { onQuery: this.hooks.onQuery } : {}),
      interference: () => this.interference(sandbox),
    });
  }

  /** Checks and saves a zone; nothing is saved when the check finds errors. */
  async saveZone(sandbox: Sandbox, name: string, text: string): Promise<ZoneCheck> {
    const zone = zoneName(name);
    if (!zone) throw new Error(`Invalid zone name "${name}"`);
    // A sandbox's saves one at a time, each check a parse in its turn: saving a full zone in a
    // loop, several requests at once, kept the event loop busy all the time.
    return this.inTurn(sandbox.id, async () => {
      const check = await this.parses.parse(() => checkZone(zone, text));
      if (check.ok) {
        // Seeded first: a sandbox whose first zone save is this one would otherwise hold it alone.
        await zonesInPlace(sandbox);
        await writeZoneText(sandbox, zone, text);
        this.forget(sandbox.id);
      }
      return check;
    });
  }

  /** Runs a sandbox's saves one after another, in the order they came; refuses one past WAITING_SAVES waiting. */
  private async inTurn<T>(sandboxId: string, work: () => Promise<T>): Promise<T> {
    const saves = this.saving.get(sandboxId) ?? new WorkQueue(1, WAITING_SAVES);
    this.saving.set(sandboxId, saves);
    try {
      return await saves.run(work);
    } catch (err) {
      throw err instanceof LabBusy ? new ZoneSavesWaiting() : err;
    } finally {
      if (saves.idle) this.saving.delete(sandboxId);
    }
  }

  /** Puts a zone back as the sandbox started with it (same DKIM key). False if there is no such seeded zone. */
  async restoreZone(sandbox: Sandbox, name: string): Promise<boolean> {
    const zone = zoneName(name);
    const seeded = zone ? await seededZoneText(sandbox, zone) : undefined;
    if (!zone || seeded === undefined) return false;
    await zonesInPlace(sandbox);
    await writeZoneText(sandbox, zone, seeded);
    this.forget(sandbox.id);
    return true;
  }

  forget(sandboxId: string): void {
    this.loaded.delete(sandboxId);
  }

  private async load(sandbox: Sandbox): Promise<Authority> {
    await zonesInPlace(sandbox);
    const names = await zoneNames(sandbox);
    const sources = await Promise.all(names.map(async (name) => ({ name, text: (await readZoneText(sandbox, name)) ?? '' })));
    return this.parses.parse(() => new Authority(sources));
  }

  private watch(sandbox: Sandbox): void {
    if (this.watched.has(sandbox)) return;
    this.watched.add(sandbox);
    sandbox.events.on('reset', () => this.forget(sandbox.id));
    sandbox.events.on('deleted', () => this.forget(sandbox.id));
  }
}
