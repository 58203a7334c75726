/**
 * A sandbox is one learner's mail world: its domains, users and Maildirs under
 * <data>/sandboxes/<id>/. Nothing in one sandbox can name anything in another: every path is
 * built from the sandbox's own directory and names checked by checkDefinition.
 */
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Mailbox } from '../maildir/mailbox.js';
import { splitAddress, type WorldDefinition, type WorldUser } from './definition.js';

export type UserLookup = { user: WorldUser } | { error: 'unknown' | 'ambiguous' };

export class Sandbox {
  /** 'reset' and 'deleted' tell live sessions their world was replaced under them. */
  readonly events = new EventEmitter();
  private mailboxes = new Map<string, Mailbox>();

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly definition: WorldDefinition,
  ) {
    this.events.setMaxListeners(0);
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

  /** The Maildir of a user of this sandbox. */
  mailbox(user: WorldUser): Mailbox {
    let mailbox = this.mailboxes.get(user.address);
    if (!mailbox) {
      const parts = splitAddress(user.address)!;
      mailbox = new Mailbox(user.address, join(this.vhostsDir, parts.domain, parts.local));
      this.mailboxes.set(user.address, mailbox);
    }
    return mailbox;
  }

  /** Drops cached folder state after the files were replaced (reset). */
  forgetMailboxes(): void {
    this.mailboxes.clear();
  }
}
