/**
 * A sandbox is one learner's mail world: its domains, users and Maildirs under
 * <data>/sandboxes/<id>/. Nothing in one sandbox can name anything in another: every path is
 * built from the sandbox's own directory and names checked by checkDefinition. The Maildir
 * store keeps the users' open mailboxes (maildir/sandboxMaildirs.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { DEFAULT_QUOTA, SandboxUsage, type QuotaLimits } from '../quota/usage.js';
import { DEFAULT_PASSWORD, withoutDemoPassword, type WorldDefinition, type WorldUser } from './definition.js';

export type UserLookup = { user: WorldUser } | { error: 'unknown' | 'ambiguous' };

export class Sandbox {
  /**
   * 'reset' and 'deleted' tell live sessions their world was replaced under them; 'moving',
   * just before a 'deleted', that a drain is taking it to another node.
   */
  readonly events = new EventEmitter();
  /** Counts the worlds this sandbox has held; odd while a reset or removal replaces one. */
  private world = 0;
  private stateWrites = new Set<Promise<unknown>>();
  private replacing: Promise<unknown> = Promise.resolve();
  /** Set as its removal begins: nothing of it is written any more (world/sandboxes.ts evict). */
  private gone = false;
  /** What the sandbox takes on disk, and its quota: every writer of mail asks it first. */
  readonly usage: SandboxUsage;

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly definition: WorldDefinition,
    quota: QuotaLimits = DEFAULT_QUOTA,
    /** False in classroom mode: there even the public demo world's hints point to the lab page. */
    private readonly demoHints = true,
  ) {
    this.events.setMaxListeners(0);
    this.usage = new SandboxUsage(dir, quota);
  }

  get hostName(): string {
    return this.definition.hostName;
  }

  get vhostsDir(): string {
    return join(this.dir, 'vhosts');
  }

  isLocalDomain(domain: string): boolean {
    return this.definition.domains.includes(domain.toLowerCase());
  }

  /** The user an address delivers to, if it is one of this world's users. */
  userByAddress(address: string): WorldUser | undefined {
    const wanted = address.toLowerCase();
    return this.definition.users.find((u) => u.address === wanted);
  }

  /**
   * The user mail to `address` goes to: one of this world's users, or postmaster at one of its
   * domains, in any case (RFC 5321 4.5.1: every mail domain MUST take mail for postmaster), which
   * goes to that domain's first user, as an alias sends it to the admin on a real server. Logins
   * never use this: postmaster is not a login.
   */
  recipient(address: string): WorldUser | undefined {
    const user = this.userByAddress(address);
    if (user) return user;
    const at = address.lastIndexOf('@');
    const domain = address.slice(at + 1).toLowerCase();
    if (at < 0 || address.slice(0, at).toLowerCase() !== 'postmaster' || !this.isLocalDomain(domain)) return undefined;
    return this.definition.users.find((u) => u.address.endsWith(`@${domain}`));
  }

  /** A login is a full address, or a bare local part when only one domain has it. */
  findLogin(login: string): UserLookup {
    const name = login.trim().toLowerCase();
    if (name.includes('@')) {
      const user = this.userByAddress(name);
      return user ? { user } : { error: 'unknown' };
    }
    const matches = this.definition.users.filter((u) => u.address.split('@')[0] === name);
    if (matches.length === 1) return { user: matches[0]! };
    return { error: matches.length === 0 ? 'unknown' : 'ambiguous' };
  }

  /** Checks a login and password; the password comparison takes the same time either way. */
  authenticate(login: string, password: string): WorldUser | undefined {
    const found = this.findLogin(login);
    if (!('user' in found)) return undefined;
    const given = Buffer.from(password, 'utf8');
    const wanted = Buffer.from(found.user.password, 'utf8');
    const same = given.length === wanted.length && timingSafeEqual(given, wanted);
    return same ? found.user : undefined;
  }

  /** True for the demo world, whose users all have the password "secret". */
  get demoPasswords(): boolean {
    return this.definition.users.every((u) => u.password === DEFAULT_PASSWORD);
  }

  /**
   * A hint or greeting as shown in this sandbox. A learner's world has passwords of its own,
   * so there the demo password ("secret", plainly or in base64) becomes a pointer to the
   * lab page, where the learner's mailbox passwords are listed.
   */
  hint(text: string): string {
    return this.demoHints && this.demoPasswords ? text : withoutDemoPassword(text);
  }

  /**
   * The world in place now. A writer of world state (armed faults, stopped MTAs, the mail
   * queue) notes it when it loads that state and passes it to writeState.
   */
  get generation(): number {
    return this.world;
  }

  /** True once the sandbox is being removed (or moved to another node): its sessions' writes fail. */
  get removed(): boolean {
    return this.gone;
  }

  /** Marks the sandbox removed; called by its removal only, before its files go. */
  markRemoved(): void {
    this.gone = true;
  }

  /**
   * Writes state of the world `generation` names, unless a reset replaced that world since
   * (or is replacing it now), or the sandbox was removed: then nothing is written and false
   * comes back, so a save that was on its way when the learner pressed "reset" cannot bring
   * old state back.
   */
  async writeState(generation: number, write: () => Promise<void>): Promise<boolean> {
    if (this.gone || generation !== this.world || generation % 2 === 1) return false;
    const run = write();
    this.stateWrites.add(run);
    try {
      await run;
    } finally {
      this.stateWrites.delete(run);
    }
    return true;
  }

  /**
   * Replaces the world's files (a reset, a removal) once the state writes in progress have
   * finished; writes for the old world that come later are dropped. One replacement at a time.
   */
  replaceWorld<T>(replace: () => Promise<T>): Promise<T> {
    const run = this.replacing.then(async () => {
      this.world++;
      try {
        await Promise.allSettled([...this.stateWrites]);
        return await replace();
      } finally {
        this.world++;
      }
    });
    this.replacing = run.catch(() => undefined);
    return run;
  }
}
