/**
 * The lab's DNS data: each sandbox's zones, loaded once and reloaded when a learner saves a
 * zone or the sandbox is reset (there is no cache to wait for, as a real resolver would
 * have: an edit is live at once). Sandboxes made before the lab had DNS get their zones on
 * first use.
 */
import { Authority } from '../grading/dns/authority.js';
import { ensureDkimKeys } from '../world/dkimKeys.js';
import type { Sandbox } from '../world/sandbox.js';
import { seededZoneText, seedZones } from '../world/seedZones.js';
import { readZoneText, writeZoneText, zoneName, zoneNames } from '../world/zoneStore.js';
import type { DnsFaultCheck } from './interference.js';
import { LabResolver } from './resolver.js';
import { checkZone, type ZoneCheck } from './zoneCheck.js';

export class LabDns {
  private loaded = new Map<string, Promise<Authority>>();
  private watched = new WeakSet<Sandbox>();

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
    let authority = this.loaded.get(sandbox.id);
    if (!authority) {
      authority = this.load(sandbox);
      this.loaded.set(sandbox.id, authority);
      authority.catch(() => this.loaded.delete(sandbox.id));
    }
    return authority;
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
    const check = checkZone(zone, text);
    if (check.ok) {
      await writeZoneText(sandbox, zone, text);
      this.forget(sandbox.id);
    }
    return check;
  }

  /** Puts a zone back as the sandbox started with it (same DKIM key). False if there is no such seeded zone. */
  async restoreZone(sandbox: Sandbox, name: string): Promise<boolean> {
    const zone = zoneName(name);
    const seeded = zone ? await seededZoneText(sandbox, zone) : undefined;
    if (!zone || seeded === undefined) return false;
    await writeZoneText(sandbox, zone, seeded);
    this.forget(sandbox.id);
    return true;
  }

  forget(sandboxId: string): void {
    this.loaded.delete(sandboxId);
  }

  private async load(sandbox: Sandbox): Promise<Authority> {
    let names = await zoneNames(sandbox);
    if (names.length === 0) {
      await ensureDkimKeys(sandbox);
      await seedZones(sandbox);
      names = await zoneNames(sandbox);
    }
    const sources = await Promise.all(names.map(async (name) => ({ name, text: (await readZoneText(sandbox, name)) ?? '' })));
    return new Authority(sources);
  }

  private watch(sandbox: Sandbox): void {
    if (this.watched.has(sandbox)) return;
    this.watched.add(sandbox);
    sandbox.events.on('reset', () => this.forget(sandbox.id));
    sandbox.events.on('deleted', () => this.forget(sandbox.id));
  }
}
