/**
 * The programmatic API for sandboxes: create, open, reset, delete, list. The CLI, the servers,
 * the bridge and classroom mode all go through it. A sandbox's definition is kept in
 * <data>/sandboxes/<id>/world.json; its mail under vhosts/, its zones, DKIM keys and mail
 * queue beside them (see seedWorld).
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { filesIn, makePrivate, notOwnedLine, PRIVATE_DIR, PRIVATE_FILE, type NotOwned } from '../files/privateModes.js';
import type { Logger } from '../log.js';
import { DEFAULT_QUOTA, type QuotaLimits } from '../quota/usage.js';
import { checkDefinition, defaultWorld, type WorldDefinition } from './definition.js';
import { renumberZones } from './renumberZones.js';
import { Sandbox } from './sandbox.js';
import { seedWorld } from './seedWorld.js';

export const DEFAULT_SANDBOX = 'default';
const SANDBOX_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A removed sandbox's name while its files go: never a sandbox id, so list() never shows it. */
const REMOVED = '.removed.';
/** A sandbox being copied in from another node (a drain) until adopt() moves it into place: never a sandbox id either. */
const INCOMING = '.incoming-';

/** Removes a tree moved aside; a write that was under way as it moved may still land in it: tried again. */
function removeTree(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/** Whether a sandbox directory holds its definition; a world.json it cannot read still counts (get() says why). */
function hasWorld(dir: string): Promise<boolean> {
  return stat(join(dir, 'world.json')).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT' && err.code !== 'ENOTDIR',
  );
}

export class UnknownSandbox extends Error {
  constructor(readonly sandboxId: string) {
    super(`No sandbox named "${sandboxId}"`);
  }
}

export function checkSandboxId(id: string): void {
  if (!SANDBOX_ID.test(id)) {
    throw new Error(`Invalid sandbox id "${id}": use 1-64 lower-case letters, digits, "-" or "_"`);
  }
}

/** What keeps a sandbox's mail (the Maildir store, maildir/sandboxMaildirs.ts): passed in, so this layer never imports it. */
export interface SandboxMail {
  /** Brings the mail files of a sandbox opened from disk up to date (before any mailbox of it is used). */
  open(sandbox: Sandbox): Promise<void>;
  /** Makes each user's mailbox and puts the seed messages in it. */
  seed(sandbox: Sandbox): Promise<void>;
  /** Lets go of the folder state held for a sandbox whose mail files were replaced. */
  forget(sandbox: Sandbox): void;
}

export class Sandboxes {
  private open = new Map<string, Sandbox>();
  /** Creations under way: a second create() of the same id waits for the first instead of seeding again. */
  private creating = new Map<string, Promise<Sandbox>>();
  /** Told of each sandbox created or deleted here, before the call returns (a cluster records where it is). */
  onCreated?: (sandbox: Sandbox) => Promise<void>;
  onDeleted?: (id: string) => Promise<void>;
  /** Where to say what an admin should know (a directory another user owns). */
  log?: Logger;

  constructor(
    readonly dataDir: string,
    private readonly mail: SandboxMail,
    /** Every sandbox's disk quota (`--quota`). */
    readonly quota: QuotaLimits = DEFAULT_QUOTA,
    /** Whether the demo world's hints may show its password ("secret"): not in classroom mode. */
    private readonly demoHints = true,
  ) {}

  get root(): string {
    return join(this.dataDir, 'sandboxes');
  }

  /** Opens a sandbox that exists on disk. Throws UnknownSandbox. */
  async get(id: string): Promise<Sandbox> {
    checkSandboxId(id);
    const cached = this.open.get(id);
    if (cached) return cached;
    const dir = join(this.root, id);
    let definition: WorldDefinition;
    try {
      definition = JSON.parse(await readFile(join(dir, 'world.json'), 'utf8')) as WorldDefinition;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UnknownSandbox(id);
      throw err;
    }
    checkDefinition(definition);
    const opened = new Sandbox(id, dir, definition, this.quota, this.demoHints);
    await renumberZones(opened);
    await this.mail.open(opened);
    const sandbox = this.open.get(id) ?? opened;
    this.open.set(id, sandbox);
    return sandbox;
  }

  async exists(id: string): Promise<boolean> {
    try {
      await this.get(id);
      return true;
    } catch (err) {
      if (err instanceof UnknownSandbox) return false;
      throw err;
    }
  }

  /** Creates and seeds a sandbox. An existing sandbox of that id is left as it is. */
  async create(id: string, definition: WorldDefinition = defaultWorld()): Promise<Sandbox> {
    checkSandboxId(id);
    checkDefinition(definition);
    // Two at once (an instructor's double click on "Reset sandbox" for one that is gone) would seed its mail twice.
    const under = this.creating.get(id);
    if (under) return under;
    const run = this.createOnce(id, definition).finally(() => this.creating.delete(id));
    this.creating.set(id, run);
    return run;
  }

  private async createOnce(id: string, definition: WorldDefinition): Promise<Sandbox> {
    if (await this.exists(id)) return this.get(id);
    const dir = join(this.root, id);
    await mkdir(this.root, { recursive: true, mode: PRIVATE_DIR });
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    // A directory there already (made by hand, or by a creation cut short) keeps its mode through mkdir.
    this.tell(await makePrivate({ dirs: [dir] }));
    // Its own copy of the definition, as a sandbox opened from world.json has.
    const seeded = new Sandbox(id, dir, structuredClone(definition), this.quota, this.demoHints);
    await this.seed(seeded);
    // world.json is written last: a sandbox whose seeding was interrupted does not exist yet.
    // It holds the mailbox passwords: for this user only.
    await writeFile(join(dir, 'world.json'), JSON.stringify(seeded.definition, null, 2) + '\n', { mode: PRIVATE_FILE });
    // The object that seeded the mail stays the open one: one writer per folder index. A second
    // object's folders would hold the index as it was before the seed mail was noticed and,
    // a second later, write it over the live one (an empty index, the change log cleared).
    const sandbox = this.open.get(id) ?? seeded;
    if (sandbox !== seeded) this.mail.forget(seeded);
    this.open.set(id, sandbox);
    await this.onCreated?.(sandbox);
    return sandbox;
  }

  /**
   * Restores a sandbox to its seeded state: its mail, its zones, an empty queue (same users,
   * passwords and DKIM keys).
   */
  async reset(id: string): Promise<Sandbox> {
    const sandbox = await this.get(id);
    await sandbox.replaceWorld(async () => {
      // Move the old mail aside first so the reset is all-or-nothing from a reader's view.
      const old = join(sandbox.dir, `vhosts.old.${process.pid}.${Date.now()}`);
      await rename(sandbox.vhostsDir, old).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.mail.forget(sandbox);
      sandbox.usage.forget();
      await this.seed(sandbox);
      await removeTree(old);
    });
    sandbox.events.emit('reset');
    return sandbox;
  }

  /** Removes a sandbox and all its mail. */
  async delete(id: string): Promise<void> {
    await this.evict(id);
    await this.onDeleted?.(id);
  }

  /** Removes this node's copy of a sandbox that now lives on another node (after a drain copied it). */
  async evict(id: string): Promise<void> {
    checkSandboxId(id);
    const sandbox = this.open.get(id);
    this.open.delete(id);
    const remove = async (): Promise<void> => {
      // Its folders write nothing more (and are no longer kept for the idle sweep); its other
      // writers fail from now on instead of making its directories again.
      sandbox?.markRemoved();
      if (sandbox) this.mail.forget(sandbox);
      // Moved out of the way first: writes still under way (a delivery's tmp/ file, an index
      // or field cache being written, a new/ file moved to cur/) name paths that are gone now
      // and fail, instead of adding files to a directory rm has just emptied (ENOTEMPTY).
      const aside = join(this.root, `${REMOVED}${id}.${process.pid}.${Date.now()}`);
      try {
        await rename(join(this.root, id), aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      await removeTree(aside);
    };
    await (sandbox ? sandbox.replaceWorld(remove) : remove());
    sandbox?.events.emit('deleted');
  }

  /**
   * At start: what a removal cut short (the lab stopped meanwhile) left moved aside, and the
   * copies of imports cut short (a drain's, the node stopped mid-copy: never adopted, the
   * sandbox still on its old node, and a new copy each time the drain is run again).
   */
  async sweepRemoved(): Promise<void> {
    const names = await readdir(this.root).catch(() => []);
    await Promise.all(names.filter((n) => n.startsWith(REMOVED) || n.startsWith(INCOMING)).map((n) => removeTree(join(this.root, n))));
  }

  /** Where a sandbox copied in from another node is unpacked before adopt(). */
  stagingDir(id: string): string {
    checkSandboxId(id);
    return join(this.root, `${INCOMING}${id}-${randomBytes(4).toString('hex')}`);
  }

  /** Takes in a sandbox whose files were copied to `staged` (a drain): moved into place, then opened. */
  async adopt(id: string, staged: string): Promise<Sandbox> {
    checkSandboxId(id);
    if (await this.exists(id)) throw new Error(`sandbox ${id} is already on this node`);
    await rename(staged, join(this.root, id));
    return this.get(id);
  }

  /** The sandboxes opened so far (all of them after loadAll). */
  loaded(): Sandbox[] {
    return [...this.open.values()];
  }

  /** Opens every sandbox on disk, so credentials can be looked up across them. */
  async loadAll(): Promise<void> {
    for (const id of await this.list()) await this.get(id).catch(() => undefined);
  }

  /** Mends the modes of a data dir made by an older version: sandboxes, passwords and keys private. */
  async makePrivate(): Promise<void> {
    this.tell(await makePrivate({ dirs: [this.root] }));
    for (const id of await this.list()) {
      const dir = join(this.root, id);
      this.tell(await makePrivate({ dirs: [dir, join(dir, 'dkim')], files: [join(dir, 'world.json'), ...(await filesIn(join(dir, 'dkim')))] }));
    }
  }

  /** Says which paths another user owns: the lab works on, but cannot make them private. */
  private tell(left: NotOwned[]): void {
    for (const n of left) this.log?.('sandboxes', notOwnedLine(n));
  }

  /** The sandboxes on disk: directories named like one that hold a world.json (see withoutWorld). */
  async list(): Promise<string[]> {
    return (await this.onDisk()).sandboxes;
  }

  /**
   * Directories named like a sandbox without a world.json, which no sandbox can open: a creation
   * cut short (world.json is written last), or one an admin made before its sandbox (a volume
   * mounted inside). Not sandboxes, not listed, never removed: a create() seeds into them.
   */
  async withoutWorld(): Promise<string[]> {
    return (await this.onDisk()).others;
  }

  private async onDisk(): Promise<{ sandboxes: string[]; others: string[] }> {
    const named = await this.named();
    const opens = await Promise.all(named.map((id) => this.open.has(id) || hasWorld(join(this.root, id))));
    return { sandboxes: named.filter((_, i) => opens[i]), others: named.filter((_, i) => !opens[i]) };
  }

  private async named(): Promise<string[]> {
    try {
      const entries = await readdir(this.root, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && SANDBOX_ID.test(e.name)).map((e) => e.name).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private async seed(sandbox: Sandbox): Promise<void> {
    await this.mail.seed(sandbox);
    await seedWorld(sandbox);
  }
}
