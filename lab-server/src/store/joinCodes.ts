/**
 * Class join codes: eight characters people can read aloud and type from a projector, shown
 * as "ABCD-2345". The alphabet has no 0/O or 1/I/L, and what a learner types is matched
 * whatever its case or dashes.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A fresh random join code ("ABCD-2345"). */
export function newJoinCode(): string {
  const chars = [...randomBytes(8)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** Normalises what a learner types as a join code: case and dashes do not matter. */
export function normaliseJoinCode(code: string): string {
  const plain = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return plain.length === 8 ? `${plain.slice(0, 4)}-${plain.slice(4)}` : plain;
}
