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

/** `glued`: no blank or comment before it ("J.Smith" is one word of a name, "J. Smith" two). */
type Tok = { kind: 'word' | 'quoted' | 'comment' | 'literal' | 'special'; text: string; glued?: true };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let gap = true;
  const push = (t: Tok): void => {
    if (!gap) t.glued = true;
    out.push(t);
    gap = t.kind === 'comment';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      gap = true;
    } else if (c === '"') {
      let v = '';
      for (i++; i < text.length && text[i] !== '"'; i++) v += text[i] === '\\' ? text[++i] ?? '' : text[i];
      i++;
      push({ kind: 'quoted', text: v });
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
      push({ kind: 'comment', text: v.trim() });
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      const stop = end === -1 ? text.length : end + 1;
      push({ kind: 'literal', text: text.slice(i, stop) });
      i = stop;
    } else if (c === ')') {
      // A stray closing parenthesis is skipped (it used to stop the loop from moving on).
      i++;
    } else if ('<>@,;:.'.includes(c)) {
      push({ kind: 'special', text: c });
      i++;
    } else {
      let v = '';
      while (i < text.length && !' \t\r\n"()<>@,;:.['.includes(text[i]!)) v += text[i++];
      push({ kind: 'word', text: v });
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
        const read = mailboxOf(member);
        if (read) out.push(read.address);
      }
      out.push({ name: null, adl: null, mailbox: null, host: null });
      i = end + 1;
      while (i < tokens.length && isSpecial(tokens[i], ',')) i++;
      continue;
    }
    const read = mailboxOf(tokens.slice(i, j));
    if (read) out.push(read.address);
    // Dovecot reads on only over a comma right after an address: words left after one end the list.
    if (read && !read.complete) break;
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

/** One address of a list, and whether it took all of its entry (Dovecot stops the list where one does not). */
function mailboxOf(tokens: Tok[]): { address: EnvelopeAddress; complete: boolean } | undefined {
  if (tokens.length === 0 || tokens.every((t) => t.kind === 'comment')) return undefined;
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  if (open === -1) return addrSpecOf(tokens);
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
  return { address: { name: name || null, adl, ...addrSpec(spec) }, complete: tokens.slice(close + 1).every((t) => t.kind === 'comment') };
}

/**
 * "local@domain (comment)" without angle brackets, read as Dovecot 2.3's parse_addr_spec reads
 * it: a dot-atom or a quoted string, "@", a dot-atom or a [literal]; the name is the last comment
 * read on the way. With no "@" and no comment, words after the local part make it all a display
 * name ("Alice Smith"), as does a quoted string alone. It stops at the first word that does not
 * belong ("bob@example.com Bob" is bob@example.com, and the list ends there).
 */
function addrSpecOf(tokens: Tok[]): { address: EnvelopeAddress; complete: boolean } {
  let i = 0;
  let comment = '';
  // Comments before the address name nothing; those after a part of it do, the last one.
  while (tokens[i]?.kind === 'comment') i++;
  const skip = (): void => {
    while (tokens[i]?.kind === 'comment') comment = tokens[i++]!.text;
  };
  const dotAtom = (): string | undefined => {
    if (tokens[i]?.kind !== 'word') return undefined;
    let out = tokens[i++]!.text;
    skip();
    while (isSpecial(tokens[i], '.')) {
      i++;
      skip();
      out += '.';
      if (i >= tokens.length) return undefined; // a dot that ends the header ends nothing
      if (tokens[i]?.kind === 'word') {
        out += tokens[i++]!.text;
        skip();
      }
    }
    return out;
  };
  const quoted = tokens[i]?.kind === 'quoted';
  let local: string | undefined;
  if (quoted) {
    local = tokens[i++]!.text;
    skip();
  } else local = dotAtom();
  let at = false;
  let domain: string | undefined;
  if (isSpecial(tokens[i], '@')) {
    at = true;
    i++;
    skip();
    if (tokens[i]?.kind === 'literal') {
      domain = tokens[i++]!.text;
      skip();
    } else domain = dotAtom();
  }
  let name: string | null = comment || null;
  let mailbox = local;
  if (!comment && !at) {
    const start = i;
    while (isWord(tokens[i]) || isSpecial(tokens[i], '.') || tokens[i]?.kind === 'comment') i++;
    const words = joinPhrase(tokens.slice(start, i));
    if (words || quoted) {
      name = words ? `${local ?? ''} ${words}` : local!;
      mailbox = undefined;
    }
  }
  while (tokens[i]?.kind === 'comment') i++;
  // What Dovecot writes for the parts a broken address lacks; a quoted "" it keeps.
  return { address: { name, adl: null, mailbox: mailbox === undefined || (mailbox === '' && !quoted) ? 'MISSING_MAILBOX' : mailbox, host: domain || 'MISSING_DOMAIN' }, complete: i >= tokens.length };
}

const isWord = (t: Tok | undefined): boolean => t?.kind === 'word' || t?.kind === 'quoted';

/** The local part and domain inside <...>; a quoted local part is given unquoted, as Dovecot gives it. */
function addrSpec(tokens: Tok[]): { mailbox: string; host: string } {
  const at = tokens.map((t) => isSpecial(t, '@')).lastIndexOf(true);
  const local = (at === -1 ? tokens : tokens.slice(0, at)).map((t) => t.text).join('');
  const domain = at === -1 ? '' : tokens.slice(at + 1).map((t) => t.text).join('');
  return { mailbox: local || 'MISSING_MAILBOX', host: domain || 'MISSING_DOMAIN' };
}

/** A display name: words and quoted strings joined by single spaces, dots kept tight. */
function phrase(tokens: Tok[]): string {
  return joinPhrase(tokens);
}

function joinPhrase(tokens: Tok[]): string {
  let out = '';
  let last: Tok | undefined;
  for (const t of tokens) {
    if (t.kind === 'comment') {
      last = undefined;
      continue;
    }
    // Dovecot's rfc822_parse_phrase: a run of atoms and dots with no blank between is one word
    // ("J.R."); words, and quoted strings always, are separated by one space.
    const run = (x: Tok | undefined): boolean => x?.kind === 'word' || isSpecial(x, '.');
    if (out && run(t) && run(last) && t.glued) out += t.text;
    else out += out ? ` ${t.text}` : t.text;
    last = t;
  }
  return out;
}
