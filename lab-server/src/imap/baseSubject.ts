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

const TRAILER = /(?:\(fwd\)| )$/i;
/** subj-refwd: "re", "fw" or "fwd", spaces, an optional [blob], then ":". */
const REFWD = /^(?:re|fwd?) *(?:\[[^[\]]*\] *)?:/i;
const BLOB = /^\[[^[\]]*\] */;

/** Extracts the base subject from a Subject header value (encoded words allowed). */
export function baseSubject(header: string | undefined): BaseSubject {
  // (1) Decode, and make every run of white space one space.
  let s = decodeHeaderValue(header ?? '').replace(/[\t\r\n ]+/g, ' ');
  let replyOrForward = false;
  for (;;) {
    // (2) Trailers: "(fwd)" and spaces at the end.
    for (let m = TRAILER.exec(s); m; m = TRAILER.exec(s)) {
      if (m[0] !== ' ') replyOrForward = true;
      s = s.slice(0, s.length - m[0].length);
    }
    // (3)-(5) Leaders: spaces, [blob]s before a Re:/Fwd:, and a leading [blob] when text remains.
    for (let changed = true; changed; ) {
      changed = false;
      for (;;) {
        if (s.startsWith(' ')) {
          s = s.slice(1);
          changed = true;
          continue;
        }
        const leader = leaderLength(s);
        if (leader === 0) break;
        s = s.slice(leader);
        replyOrForward = true;
        changed = true;
      }
      const blob = BLOB.exec(s);
      if (blob && s.length > blob[0].length) {
        s = s.slice(blob[0].length);
        changed = true;
      }
    }
    // (6) "[fwd: ...]" around the whole subject: unwrap and start again.
    if (/^\[fwd:/i.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1);
      replyOrForward = true;
      continue;
    }
    return { base: s, replyOrForward };
  }
}

/** Length of a subj-leader "(*subj-blob subj-refwd)" at the start, or 0. */
function leaderLength(s: string): number {
  let i = 0;
  for (let blob = BLOB.exec(s); blob; blob = BLOB.exec(s.slice(i))) i += blob[0].length;
  const refwd = REFWD.exec(s.slice(i));
  return refwd ? i + refwd[0].length : 0;
}

/** The i;unicode-casemap form of a string, for comparing with compareText. */
export function casemap(text: string): string {
  return text.toUpperCase().normalize('NFD');
}

/** Orders two casemapped strings by code point (the empty string first). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  // Code point order, not UTF-16 unit order, so characters beyond the BMP sort last as UTF-8 would.
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
