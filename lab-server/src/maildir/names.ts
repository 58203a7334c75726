/**
 * Maildir file names, as Dovecot writes them:
 *   <time>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<crlf-size>[:2,<flags>]
 * The part before ":2," is the message's permanent base name; the flags after it change.
 */
import { hostname } from 'node:os';

/** The Maildir flag letters, in the ASCII order the spec requires in the info suffix. */
export const MAILDIR_FLAGS = ['D', 'F', 'P', 'R', 'S', 'T'] as const;
export type MaildirFlag = (typeof MAILDIR_FLAGS)[number];

/** IMAP system flags and the Maildir letters that store them. */
export const IMAP_TO_MAILDIR: Record<string, MaildirFlag> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};

let deliveryCounter = 0;
// A host name may not contain '/' or ':' in a Maildir name; Dovecot writes them as \057 and \072.
const localHost = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072') || 'localhost';

export interface ParsedName {
  /** Everything before ":2,": stable for the life of the message. */
  base: string;
  /** Maildir flag letters from the info suffix, sorted, without duplicates. */
  flags: string;
  /** S= from the name: the file's size in bytes, if the name carries it. */
  size?: number;
  /** W= from the name: the size with CRLF line ends (what IMAP and POP3 report). */
  wireSize?: number;
}

let lastSeconds = -1;
let lastUsec = -1;

/**
 * A fresh unique base name for a message of the given sizes. Within one second the usec part only
 * grows, so messages this process delivers sort (by inDeliveryOrder) in the order they came.
 */
export function uniqueBaseName(size: number, wireSize: number, now = Date.now()): string {
  const seconds = Math.floor(now / 1000);
  let usec = (now % 1000) * 1000 + Math.floor(Math.random() * 1000);
  if (seconds === lastSeconds && usec <= lastUsec) usec = Math.min(lastUsec + 1, 999_999);
  lastSeconds = seconds;
  lastUsec = usec;
  deliveryCounter += 1;
  return `${seconds}.M${usec}P${process.pid}Q${deliveryCounter}.${localHost},S=${size},W=${wireSize}`;
}

/**
 * Base names in the order their messages arrived, as Dovecot orders new files before giving them
 * UIDs: by the time's seconds, then the microseconds after ".M", then the delivery counter after
 * "Q", all as numbers ("M99000" before "M100000"), then as text. Names of another shape sort by text.
 */
export function inDeliveryOrder(bases: Iterable<string>): string[] {
  // Sorted as text first (built in, fast on a cold first scan of 5,000 files); most of the time
  // that is already the order, and one pass over the keys shows it.
  const names = [...bases].sort();
  const keys = names.map(deliveryKey);
  if (keys.every((key, i) => i === 0 || compareKeys(keys[i - 1]!, key) <= 0)) return names;
  const order = names.map((_, i) => i).sort((a, b) => compareKeys(keys[a]!, keys[b]!) || a - b);
  return order.map((i) => names[i]!);
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
}

/** [seconds, usec, counter] of a name like ours or Dovecot's; a part it lacks counts as 0. */
function deliveryKey(base: string): [number, number, number] {
  const seconds = digitsAt(base, 0);
  if (seconds.end === 0) return [0, 0, 0];
  const usec = base.startsWith('.M', seconds.end) ? digitsAt(base, seconds.end + 2) : undefined;
  let counter = 0;
  if (usec && base.charCodeAt(usec.end) === 80 /* P */) {
    const pid = digitsAt(base, usec.end + 1);
    if (base.charCodeAt(pid.end) === 81 /* Q */) counter = digitsAt(base, pid.end + 1).value;
  }
  return [seconds.value, usec?.value ?? 0, counter];
}

/** The number written at `start` (0 if none) and where its digits end. */
function digitsAt(text: string, start: number): { value: number; end: number } {
  let value = 0;
  let end = start;
  for (; end < text.length; end++) {
    const digit = text.charCodeAt(end) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return { value, end };
}

export function parseName(fileName: string): ParsedName {
  const base = baseOf(fileName);
  const parsed: ParsedName = { base, flags: flagsOf(fileName) };
  const size = numberAfter(base, ',S=');
  const wire = numberAfter(base, ',W=');
  if (size !== undefined) parsed.size = size;
  if (wire !== undefined) parsed.wireSize = wire;
  return parsed;
}

/** The permanent part of a file name, before ":2,". */
export function baseOf(fileName: string): string {
  const infoAt = fileName.indexOf(':2,');
  return infoAt === -1 ? fileName : fileName.slice(0, infoAt);
}

/** The flag letters after ":2,", normalised ('' without them). */
export function flagsOf(fileName: string): string {
  const infoAt = fileName.indexOf(':2,');
  return infoAt === -1 ? '' : normaliseFlags(fileName.slice(infoAt + 3));
}

/** The digits after `key` (",S=") in a base name; a scan of 5,000 new names does this twice each. */
function numberAfter(base: string, key: string): number | undefined {
  const at = base.indexOf(key);
  if (at === -1) return undefined;
  const { value, end } = digitsAt(base, at + key.length);
  return end === at + key.length || !Number.isSafeInteger(value) ? undefined : value;
}

/** The name a message has in cur/ with the given flags. */
export function curName(base: string, flags: string): string {
  return `${base}:2,${normaliseFlags(flags)}`;
}

/** Keep only letters Maildir knows, once each, in ASCII order. */
export function normaliseFlags(flags: string): string {
  // Most are in order already (the lab wrote them): a 5,000-message index read checks each once.
  if (inOrder(flags)) return flags;
  return [...new Set(flags.split(''))]
    .filter((f) => /^[A-Za-z]$/.test(f))
    .sort()
    .join('');
}

/** Letters only, each after the one before in ASCII order (so none twice); true for ''. */
function inOrder(flags: string): boolean {
  let last = 0;
  for (let i = 0; i < flags.length; i++) {
    const c = flags.charCodeAt(i);
    if (c <= last || !((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
    last = c;
  }
  return true;
}

/**
 * True if a directory entry could be a message: not a dot file, and no line break (the index
 * and the uid list keep one name a line).
 */
export function looksLikeMessage(fileName: string): boolean {
  return fileName.length > 0 && !fileName.startsWith('.') && !/[/\r\n]/.test(fileName);
}
