/**
 * Passwords of people (instructors, learners in a class): hashed with scrypt from node:crypto,
 * stored as "scrypt$N$r$p$salt$hash" so the cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A salt for nobody: made once, never stored. */
const NOBODY_SALT = randomBytes(16);

/**
 * Costs what verifyPassword costs, and is false: for a login name that is nobody's. Without it
 * an unknown name was answered at once (5-20 ms) and a known one after scrypt (150-300 ms), so
 * anyone could tell which instructor names, and which names in a class, exist.
 */
export async function verifyNobody(password: string): Promise<false> {
  await derive(password, NOBODY_SALT, { N, r: R, p: P });
  return false;
}

/** A password people can type: four groups of four lower-case letters and digits, no look-alikes. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out += alphabet[bytes[i]! % alphabet.length];
    if (i % 4 === 3 && i < 15) out += '-';
  }
  return out;
}

/** Rules for a password a person chooses. Returns the problem, or undefined when it is fine. */
export function passwordProblem(password: unknown): { en: string; 'zh-CN': string } | undefined {
  if (typeof password !== 'string' || password.length < 8) {
    return { en: 'Choose a password of at least 8 characters.', 'zh-CN': '请设置至少 8 个字符的密码。' };
  }
  if (password.length > 200) return { en: 'That password is too long (at most 200 characters).', 'zh-CN': '密码太长（最多 200 个字符）。' };
  return undefined;
}
