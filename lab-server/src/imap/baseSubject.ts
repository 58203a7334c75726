/**
 * The "base subject" of RFC 5256 §2.1, which SORT (SUBJECT) and THREAD compare: the subject
 * without "Re:", "Fwd:", "[list]" tags, "(fwd)" trailers and "[fwd: ...]" wrappers, so a
 * reply sorts beside the message it answers. Strings are compared by i;unicode-casemap
 * (RFC 5051), here: upper case, then canonical decomposition, compared by code point.
 */
import { decodeHeaderValue } from './mime/text.js';

export interface BaseSubject {
  base: string;
  /** Something marking a reply or forward was removed (THREAD REFERENCES uses this). */
  replyOrForward: boolean;
}

/**
 * Extracts the base subject from a Subject header value (encoded words allowed). Read by
 * position over the decoded text, each step moving past what it removes: time in proportion to
 * the subject's length. (Regular expressions re-run over what was left took seconds, with every
 * session waiting, for a subject of a few thousand "[a]" tags or "(fwd)" trailers, and anyone
 * can mail a learner such a subject.)
 */
export function baseSubject(header: string | undefined): BaseSubject {
  // (1) Decode, and make every run of white space one space.
  const s = decodeHeaderValue(header ?? '').replace(/[\t\r\n ]+/g, ' ');
  let start = 0;
  let end = s.length;
  let replyOrForward = false;
  for (;;) {
    // (2) Trailers: "(fwd)" and spaces at the end.
    for (;;) {
      if (end > start && s.charCodeAt(end - 1) === SPACE) end--;
      else if (end - start >= 5 && lettersAre(s, end - 5, '(fwd)')) {
        end -= 5;
        replyOrForward = true;
      } else break;
    }
    // (3)-(5) Leaders: spaces, [blob]s before a Re:/Fwd:, and a leading [blob] when text remains.
    // A run of [blob]s found with no Re:/Fwd: after it has none wherever in the run we stand.
    let noLeaderBefore = -1;
    for (let changed = true; changed; ) {
      changed = false;
      for (;;) {
        if (start < end && s.charCodeAt(start) === SPACE) {
          start++;
          changed = true;
          continue;
        }
        if (start < noLeaderBefore) break;
        let at = start;
        for (let blob = blobEnd(s, at, end); blob !== -1; blob = blobEnd(s, at, end)) at = blob;
        const leader = refwdEnd(s, at, end);
        if (leader === -1) {
          noLeaderBefore = at;
          break;
        }
        start = leader;
        replyOrForward = true;
        changed = true;
      }
      const blob = blobEnd(s, start, end);
      if (blob !== -1 && blob < end) {
        start = blob;
        changed = true;
      }
    }
    // (6) "[fwd: ...]" around the whole subject: unwrap and start again.
    if (end - start >= 6 && lettersAre(s, start, '[fwd:') && s.charCodeAt(end - 1) === CLOSE) {
      start += 5;
      end--;
      replyOrForward = true;
      continue;
    }
    return { base: s.slice(start, end), replyOrForward };
  }
}

const SPACE = 0x20;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/** Does `word` (lower case) stand at `at`, ASCII letters in any case? */
function lettersAre(s: string, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = s.charCodeAt(at + i);
    if (c !== word.charCodeAt(i) && (c | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** subj-blob: "[", no brackets, "]", then spaces; where it ends (before `end`), or -1. */
function blobEnd(s: string, at: number, end: number): number {
  if (at >= end || s.charCodeAt(at) !== OPEN) return -1;
  let i = at + 1;
  while (i < end && s.charCodeAt(i) !== OPEN && s.charCodeAt(i) !== CLOSE) i++;
  if (i >= end || s.charCodeAt(i) !== CLOSE) return -1;
  for (i++; i < end && s.charCodeAt(i) === SPACE; i++);
  return i;
}

/** subj-refwd: "re", "fw" or "fwd", spaces, an optional [blob], then ":"; where it ends, or -1. */
function refwdEnd(s: string, at: number, end: number): number {
  let i: number;
  if (at + 2 <= end && lettersAre(s, at, 're')) i = at + 2;
  else if (at + 3 <= end && lettersAre(s, at, 'fwd')) i = at + 3;
  else if (at + 2 <= end && lettersAre(s, at, 'fw')) i = at + 2;
  else return -1;
  while (i < end && s.charCodeAt(i) === SPACE) i++;
  const blob = blobEnd(s, i, end);
  if (blob !== -1) i = blob;
  return i < end && s.charCodeAt(i) === 0x3a ? i + 1 : -1;
}

/** The i;unicode-casemap form of a string, for comparing with compareText. */
export function casemap(text: string): string {
  return text.toUpperCase().normalize('NFD');
}

/**
 * Orders two casemapped strings by code point (the empty string first). UTF-16 units are
 * compared up to the first difference, and only there read as code points: characters beyond
 * the BMP sort last, as UTF-8 would. (Spreading both strings into arrays at every comparison
 * made sorting 100,000 subjects take a third of a second.)
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  // The two strings differ inside a surrogate pair: read from its first half.
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) i--;
  for (;;) {
    const x = a.codePointAt(i);
    const y = b.codePointAt(i);
    if (x === undefined || y === undefined) return a.length - b.length;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
