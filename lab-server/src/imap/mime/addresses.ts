/**
 * Address lists (RFC 5322 §3.4) as ENVELOPE wants them: (name adl mailbox host) per address,
 * groups as (NIL NIL "group" NIL) ... (NIL NIL NIL NIL). Lenient, like real servers: a broken
 * header gives what can be read of it, never an error.
 */

export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

type Tok = { kind: 'word' | 'quoted' | 'comment' | 'literal'; text: string } | { kind: 'special'; text: string };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      for (i++; i < text.length && text[i] !== '"'; i++) v += text[i] === '\\' ? text[++i] ?? '' : text[i];
      i++;
      out.push({ kind: 'quoted', text: v });
    } else if (c === '(') {
      let depth = 0;
      let v = '';
      for (; i < text.length; i++) {
        const d = text[i]!;
        if (d === '\\') {
          v += text[++i] ?? '';
          continue;
        }
        if (d === '(' && depth++ === 0) continue;
        if (d === ')' && --depth === 0) break;
        v += d;
      }
      i++;
      out.push({ kind: 'comment', text: v.trim() });
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      const stop = end === -1 ? text.length : end + 1;
      out.push({ kind: 'literal', text: text.slice(i, stop) });
      i = stop;
    } else if (c === ')') {
      // A stray closing parenthesis is skipped (it used to stop the loop from moving on).
      i++;
    } else if ('<>@,;:.'.includes(c)) {
      out.push({ kind: 'special', text: c });
      i++;
    } else {
      let v = '';
      while (i < text.length && !' \t\r\n"()<>@,;:.['.includes(text[i]!)) v += text[i++];
      out.push({ kind: 'word', text: v });
    }
  }
  return out;
}

const isSpecial = (t: Tok | undefined, ch: string): boolean => t?.kind === 'special' && t.text === ch;

/** Parses an address-list header value; an empty list (or only garbage) gives []. */
export function parseAddressList(text: string): EnvelopeAddress[] {
  return plainAddressList(text) ?? parseAnyAddressList(text);
}

// The forms nearly every message uses, read with one regex each rather than token by token:
// "Name" <local@domain>, Name Words <local@domain>, <local@domain> and local@domain, with
// plain atoms only (no comments, groups, escapes, 8-bit bytes or dots in a name). They give
// exactly what the full reading below gives; anything else is left to it.
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const BARE = new RegExp(`^[ \\t]*(${DOT_ATOM})@(${DOT_ATOM})[ \\t]*$`);
const NAMED = new RegExp(`^[ \\t]*(?:"([^"\\\\\\r\\n]*)"|((?:${ATOM}[ \\t]+)*${ATOM}))?[ \\t]*<(${DOT_ATOM})@(${DOT_ATOM})>[ \\t]*$`);

function plainAddressList(text: string): EnvelopeAddress[] | undefined {
  // Without quotes, comments, groups or literals, every comma separates two entries.
  const entries = /["(\\:;[]/.test(text) ? (text.includes(',') && !text.includes('"') ? undefined : [text]) : text.split(',');
  if (!entries) return undefined;
  const out: EnvelopeAddress[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const bare = BARE.exec(entry);
    if (bare) {
      out.push({ name: null, adl: null, mailbox: bare[1]!, host: bare[2]! });
      continue;
    }
    const named = NAMED.exec(entry);
    if (named) {
      const name = named[1] ?? named[2]?.split(/[ \t]+/).join(' ');
      out.push({ name: name || null, adl: null, mailbox: named[3]!, host: named[4]! });
      continue;
    }
    if (/^[ \t]*$/.test(entry)) continue;
    return undefined;
  }
  return out;
}

/** Any address list, token by token (the plain forms above are a shortcut of this). */
export function parseAnyAddressList(text: string): EnvelopeAddress[] {
  const tokens = tokenize(text);
  const out: EnvelopeAddress[] = [];
  let i = 0;
  while (i < tokens.length) {
    // One entry: up to a top-level comma; a ":" before any "<" makes it a group.
    let j = i;
    let angle = false;
    let group = -1;
    for (; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (isSpecial(t, '<')) angle = true;
      else if (isSpecial(t, '>')) angle = false;
      else if (isSpecial(t, ':') && !angle && group === -1) {
        group = j;
        break;
      } else if (isSpecial(t, ',') && !angle) break;
    }
    if (group !== -1) {
      let end = group + 1;
      while (end < tokens.length && !isSpecial(tokens[end], ';')) end++;
      out.push({ name: null, adl: null, mailbox: phrase(tokens.slice(i, group)) || '', host: null });
      const members = tokens.slice(group + 1, end);
      // One push each: a group of 200,000 members as arguments overflowed the stack.
      for (const member of splitEntries(members)) {
        const address = mailboxOf(member);
        if (address) out.push(address);
      }
      out.push({ name: null, adl: null, mailbox: null, host: null });
      i = end + 1;
      while (i < tokens.length && isSpecial(tokens[i], ',')) i++;
      continue;
    }
    const address = mailboxOf(tokens.slice(i, j));
    if (address) out.push(address);
    i = j + 1;
  }
  return out;
}

function splitEntries(tokens: Tok[]): Tok[][] {
  const out: Tok[][] = [];
  let current: Tok[] = [];
  let angle = false;
  for (const t of tokens) {
    if (isSpecial(t, '<')) angle = true;
    if (isSpecial(t, '>')) angle = false;
    if (isSpecial(t, ',') && !angle) {
      out.push(current);
      current = [];
    } else current.push(t);
  }
  out.push(current);
  return out;
}

function mailboxOf(tokens: Tok[]): EnvelopeAddress | undefined {
  if (tokens.length === 0 || tokens.every((t) => t.kind === 'comment')) return undefined;
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  if (open !== -1) {
    let close = tokens.findIndex((t, k) => k > open && isSpecial(t, '>'));
    if (close === -1) close = tokens.length;
    const inner = tokens.slice(open + 1, close).filter((t) => t.kind !== 'comment');
    // An obsolete source route "@a,@b:" before the address goes to adl.
    let adl: string | null = null;
    const colon = inner.findIndex((t) => isSpecial(t, ':'));
    let spec = inner;
    if (colon !== -1 && isSpecial(inner[0], '@')) {
      adl = inner.slice(0, colon).map((t) => t.text).join('');
      spec = inner.slice(colon + 1);
    }
    const name = phrase(tokens.slice(0, open));
    return { name: name || null, adl, ...addrSpec(spec) };
  }
  const words = tokens.filter((t) => t.kind !== 'comment');
  const at = words.map((t) => isSpecial(t, '@')).lastIndexOf(true);
  const local = at === -1 ? words : words.slice(0, at);
  // Words side by side are no local part (RFC 5322 §3.4.1: words joined by dots), nor is a lone
  // quoted string without "@": a display name with no address, as Dovecot reads "From: Alice Smith".
  if (hasAdjacentWords(local) || (at === -1 && local.length === 1 && local[0]!.kind === 'quoted')) {
    return { name: phrase(local) || null, adl: null, mailbox: 'MISSING_MAILBOX', host: 'MISSING_DOMAIN' };
  }
  const comments = tokens.filter((t) => t.kind === 'comment').map((t) => t.text);
  const spec = addrSpec(words);
  return { name: comments.length > 0 && comments[0] ? comments[0] : null, adl: null, ...spec };
}

const isWord = (t: Tok | undefined): boolean => t?.kind === 'word' || t?.kind === 'quoted';

/** Two words side by side (no dot between) are a phrase, never a local part. */
function hasAdjacentWords(tokens: Tok[]): boolean {
  return tokens.some((t, i) => i > 0 && isWord(t) && isWord(tokens[i - 1]));
}

function addrSpec(tokens: Tok[]): { mailbox: string; host: string } {
  const at = tokens.map((t) => isSpecial(t, '@')).lastIndexOf(true);
  const local = (at === -1 ? tokens : tokens.slice(0, at)).map((t) => (t.kind === 'quoted' ? quoteLocal(t.text) : t.text)).join('');
  const domain = at === -1 ? '' : tokens.slice(at + 1).map((t) => t.text).join('');
  // What Dovecot writes for the parts a broken address lacks.
  return { mailbox: local || 'MISSING_MAILBOX', host: domain || 'MISSING_DOMAIN' };
}

function quoteLocal(text: string): string {
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(text) ? text : `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** A display name: words and quoted strings joined by single spaces, dots kept tight. */
function phrase(tokens: Tok[]): string {
  return joinPhrase(tokens);
}

function joinPhrase(tokens: Tok[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    // "J. R. Smith": a dot sticks to the word before it; words are separated by one space.
    if (t.kind === 'special' && t.text === '.') out += '.';
    else out += out ? ` ${t.text}` : t.text;
  }
  return out;
}
