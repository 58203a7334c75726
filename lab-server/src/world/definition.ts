/**
 * What a mail world is made of: its domains and its users. The default world is the one the
 * course uses throughout: example.com and otherdomain.com, alice, bob and carol.
 */

export interface WorldUser {
  /** Full address, lower case: alice@example.com */
  address: string;
  displayName: string;
  /**
   * The mailbox password. These are lab credentials shown to their learner, so they are kept
   * readable; accounts of people (instructors, learners) are hashed elsewhere.
   */
  password: string;
}

export interface WorldDefinition {
  /** The host name in banners and Received: headers. */
  hostName: string;
  domains: string[];
  users: WorldUser[];
}

export const DEFAULT_PASSWORD = 'secret';

/** "\0alice@example.com\0secret" and "secret" in base64, as the demo world's examples spell them. */
const DEMO_PLAIN_RESPONSE = Buffer.from(`\0alice@example.com\0${DEFAULT_PASSWORD}`).toString('base64');
const DEMO_PASSWORD_BASE64 = Buffer.from(DEFAULT_PASSWORD).toString('base64');

/**
 * A hint for a world with passwords of its own (a learner's): the demo password, plainly or in
 * base64, becomes a pointer to the lab page, where the learner's mailbox passwords are listed.
 */
export function withoutDemoPassword(text: string): string {
  return text
    .replaceAll(DEMO_PLAIN_RESPONSE, '<base64 of "\\0alice@example.com\\0" and her password>')
    .replaceAll(DEMO_PASSWORD_BASE64, '<the password in base64>')
    .replace(new RegExp(`\\b${DEFAULT_PASSWORD}\\b`, 'g'), '<password from your lab page>');
}

export function defaultWorld(): WorldDefinition {
  return {
    hostName: 'mail.example.com',
    domains: ['example.com', 'otherdomain.com'],
    users: [
      { address: 'alice@example.com', displayName: 'Alice', password: DEFAULT_PASSWORD },
      { address: 'bob@example.com', displayName: 'Bob', password: DEFAULT_PASSWORD },
      { address: 'carol@otherdomain.com', displayName: 'Carol', password: DEFAULT_PASSWORD },
    ],
  };
}

/** Splits an address into local part and domain (lower-cased domain). */
export function splitAddress(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

const LOCAL_PART = /^[a-z0-9][a-z0-9._+-]{0,63}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Rejects definitions whose names could not safely become directory names. */
export function checkDefinition(def: WorldDefinition): void {
  for (const domain of def.domains) {
    if (!DOMAIN.test(domain)) throw new Error(`Invalid domain name: ${domain}`);
  }
  for (const user of def.users) {
    const parts = splitAddress(user.address);
    if (!parts || !LOCAL_PART.test(parts.local) || parts.local.includes('..')) {
      throw new Error(`Invalid user address: ${user.address}`);
    }
    if (!def.domains.includes(parts.domain)) throw new Error(`User ${user.address} is not in a domain of this world`);
  }
}
