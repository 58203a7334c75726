/**
 * Address lists (RFC 5322 §3.4) as ENVELOPE wants them: (name adl mailbox host) per address,
 * groups as (NIL NIL "group" NIL) ... (NIL NIL NIL NIL). Lenient, like real servers: a broken
 * header gives what can be read of it, never an error.
 */
import { isSpecial, isWord, joinPhrase, tokenize, type Tok } from './addressTokens.js';

export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

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
    if (/^[ \t]*$/.test(entry)) {
      if (i < entries.length - 1) out.push({ ...NOTHING });
      continue;
    }
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
    const angle = angleState();
    let group = -1;
    for (; j < tokens.length; j++) {
      const t = tokens[j]!;
      angle.see(t, tokens[j + 1]);
      if (isSpecial(t, ':') && !angle.open && group === -1) {
        group = j;
        break;
      } else if (isSpecial(t, ',') && !angle.route) break;
    }
    if (group !== -1) {
      let end = group + 1;
      while (end < tokens.length && !isSpecial(tokens[end], ';')) end++;
      out.push({ name: null, adl: null, mailbox: joinPhrase(tokens.slice(i, group)) || '', host: null });
      const members = tokens.slice(group + 1, end);
      // One push each: a group of 200,000 members as arguments overflowed the stack.
      const entries = splitEntries(members);
      for (const [k, member] of entries.entries()) {
        const read = mailboxOf(member, k < entries.length - 1 || end < tokens.length);
        if (read) out.push(read.address);
        else if (k < entries.length - 1) out.push({ ...NOTHING });
      }
      out.push({ name: null, adl: null, mailbox: null, host: null });
      i = end + 1;
      while (i < tokens.length && isSpecial(tokens[i], ',')) i++;
      continue;
    }
    const read = mailboxOf(tokens.slice(i, j), j < tokens.length);
    if (read) out.push(read.address);
    // An empty entry before a comma (", a@x", "a@x,,b@x") is an address with nothing in it.
    else if (j < tokens.length) out.push({ ...NOTHING });
    // Dovecot reads on only over a comma right after an address: words left after one end the list.
    if (read && !read.complete) break;
    i = j + 1;
  }
  return out;
}

const NOTHING: EnvelopeAddress = { name: null, adl: null, mailbox: 'MISSING_MAILBOX', host: 'MISSING_DOMAIN' };

/**
 * Where a list's reading is about "<" and ">": Dovecot reads a comma inside "<...>" as the end
 * of a broken address ("Bob <bob@x, carol@x" is two), except in a source route "<@a,@b:".
 */
function angleState(): { open: boolean; route: boolean; see(t: Tok, next: Tok | undefined): void } {
  return {
    open: false,
    route: false,
    see(t, next) {
      if (isSpecial(t, '<')) [this.open, this.route] = [true, isSpecial(next, '@')];
      else if (isSpecial(t, '>')) [this.open, this.route] = [false, false];
      else if (isSpecial(t, ':')) this.route = false;
    },
  };
}

function splitEntries(tokens: Tok[]): Tok[][] {
  const out: Tok[][] = [];
  let current: Tok[] = [];
  const angle = angleState();
  for (const [k, t] of tokens.entries()) {
    angle.see(t, tokens[k + 1]);
    if (isSpecial(t, ',') && !angle.route) {
      out.push(current);
      current = [];
    } else current.push(t);
  }
  out.push(current);
  return out;
}

/**
 * One address of a list, and whether it took all of its entry (Dovecot stops the list where one
 * does not). `more`: a comma or ";" follows the entry, which Dovecot's reading stands on.
 */
function mailboxOf(tokens: Tok[], more: boolean): { address: EnvelopeAddress; complete: boolean } | undefined {
  if (tokens.length === 0 || tokens.every((t) => t.kind === 'comment')) return undefined;
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  // Dovecot's display name (rfc822_parse_phrase) cannot start with a dot: ". <a@x>" is read as
  // an addr-spec, which fails there.
  if (open === -1 || isSpecial(tokens.find((t) => t.kind !== 'comment'), '.')) return addrSpecOf(tokens, more);
  let close = tokens.findIndex((t, k) => k > open && isSpecial(t, '>'));
  const closed = close !== -1;
  if (!closed) close = tokens.length;
  const inner = tokens.slice(open + 1, close).filter((t) => t.kind !== 'comment');
  // An obsolete source route "@a,@b:" before the address goes to adl; one without its ":" is
  // Dovecot's INVALID_ROUTE, and it reads on after the route's domains ("<@a bob@x>" is bob@x).
  let adl: string | null = null;
  let spec = inner;
  if (isSpecial(inner[0], '@')) {
    const colon = inner.findIndex((t) => isSpecial(t, ':'));
    let k = colon + 1;
    if (colon === -1) {
      // Each domain of the route: "@" then a dot-atom, word ("." word)*, the routes apart by ",".
      for (k = 0; isSpecial(inner[k], '@') || isSpecial(inner[k], ','); ) {
        k++;
        if (inner[k]?.kind === 'word') k++;
        while (isSpecial(inner[k], '.') && inner[k + 1]?.kind === 'word') k += 2;
      }
    }
    adl = colon === -1 ? 'INVALID_ROUTE' : inner.slice(0, colon).map((t) => t.text).join('');
    spec = inner.slice(k);
  }
  const name = joinPhrase(tokens.slice(0, open)) || null;
  const after = tokens.slice(close + 1).every((t) => t.kind === 'comment');
  if (spec.length === 0) return { address: { ...NOTHING, name, adl, host: closed ? NOTHING.host : 'SYNTAX_ERROR' }, complete: !closed || after };
  const read = addrSpecOf(spec, closed);
  // "<bob@>", "<bob@ex ample.com>", "<bob@example.com" (no ">"): Dovecot's SYNTAX_ERROR for the host.
  const broken = !closed || !read.complete || (read.at && !read.domain) || read.local === undefined;
  const mailbox = read.local === undefined || (read.local === '' && !read.quoted) ? 'MISSING_MAILBOX' : read.local;
  return { address: { name, adl, mailbox, host: broken ? 'SYNTAX_ERROR' : read.domain || 'MISSING_DOMAIN' }, complete: closed ? after : read.complete };
}

/**
 * Where addrSpecOf() stands in an entry's tokens, and the last comment passed: a class, not
 * closures made at every address (each also named by the TypeScript loader at every call: a first
 * FETCH ENVELOPE of 5,000 messages cost ~15% more CPU with one closure more, review 14).
 */
class AddrSpecReader {
  i = 0;
  comment = '';
  /** What nonStrictLocal() read. */
  text = '';

  constructor(readonly tokens: Tok[]) {}

  skip(): void {
    const { tokens } = this;
    while (tokens[this.i]?.kind === 'comment') this.comment = tokens[this.i++]!.text;
  }

  dotAtom(): string | undefined {
    const { tokens } = this;
    if (tokens[this.i]?.kind !== 'word') return undefined;
    let out = tokens[this.i++]!.text;
    this.skip();
    while (isSpecial(tokens[this.i], '.')) {
      this.i++;
      this.skip();
      out += '.';
      if (this.i >= tokens.length) return undefined; // a dot that ends the header ends nothing
      if (tokens[this.i]?.kind === 'word') {
        out += tokens[this.i++]!.text;
        this.skip();
      }
    }
    return out;
  }

  /**
   * Dovecot 2.3's local part (parse_nonstrict_dot_atom), into `text`; true when it failed. Dots
   * anywhere (".a", "a..b", "a."), but what follows a dot must follow at once: at a blank or a
   * comment there it fails, the mailbox unread, and words after it make a display name ("a . b"
   * is the name "a.  b").
   */
  nonStrictLocal(more: boolean): boolean {
    const { tokens } = this;
    this.text = '';
    for (;;) {
      let run = 0;
      for (; isSpecial(tokens[this.i], '.') && (run === 0 || tokens[this.i]!.glued); run++, this.i++) this.text += '.';
      if (run > 0 && this.i >= tokens.length) return more;
      if (isSpecial(tokens[this.i], '@') && (run === 0 || tokens[this.i]!.glued)) return run === 0;
      if (tokens[this.i]?.kind !== 'word' || (run > 0 && !tokens[this.i]!.glued)) return true;
      this.text += tokens[this.i++]!.text;
      this.skip();
      if (!isSpecial(tokens[this.i], '.')) return false;
    }
  }
}

/**
 * "local@domain (comment)" without angle brackets, read as Dovecot 2.3's parse_addr_spec reads
 * it: a dot-atom or a quoted string, "@", a dot-atom or a [literal]; the name is the last comment
 * read on the way. With no "@" and no comment, words after the local part make it all a display
 * name ("Alice Smith"), as does a quoted string alone. It stops at the first word that does not
 * belong ("bob@example.com Bob" is bob@example.com, and the list ends there).
 */
function addrSpecOf(tokens: Tok[], more: boolean): { address: EnvelopeAddress; complete: boolean; at: boolean; local?: string; quoted: boolean; domain?: string } {
  const r = new AddrSpecReader(tokens);
  // Comments before the address name nothing; those after a part of it do, the last one.
  while (tokens[r.i]?.kind === 'comment') r.i++;
  const start = r.i;
  const quoted = tokens[r.i]?.kind === 'quoted';
  let local: string | undefined;
  let failed = false;
  if (quoted) {
    local = tokens[r.i++]!.text;
    r.skip();
  } else {
    failed = r.nonStrictLocal(more);
    local = r.text;
  }
  let at = false;
  let domain: string | undefined;
  // After a failed local part Dovecot stands where it failed: on an "@" only if nothing was read.
  if (isSpecial(tokens[r.i], '@') && (!failed || r.i === start)) {
    at = true;
    r.i++;
    r.skip();
    if (tokens[r.i]?.kind === 'literal') {
      domain = tokens[r.i++]!.text;
      r.skip();
    } else domain = r.dotAtom();
  }
  const { comment } = r;
  let name: string | null = comment || null;
  let mailbox = failed ? undefined : local;
  if (!comment && !at) {
    const from = r.i;
    // Dovecot's rfc822_parse_phrase, which will not start at a dot ('"q" . b' names "q").
    if (!isSpecial(tokens[r.i], '.')) while (isWord(tokens[r.i]) || isSpecial(tokens[r.i], '.') || tokens[r.i]?.kind === 'comment') r.i++;
    const words = joinPhrase(tokens.slice(from, r.i));
    // Failed before a blank or a comment, Dovecot's phrase reads an empty word there first: one space more.
    const gap = failed && (tokens[from]?.kind === 'comment' || !tokens[from]?.glued) ? ' ' : '';
    if (words || quoted) {
      name = words ? `${local ?? ''} ${gap}${words}` : local!;
      mailbox = undefined;
    }
  }
  while (tokens[r.i]?.kind === 'comment') r.i++;
  // What Dovecot writes for the parts a broken address lacks; a quoted "" it keeps.
  return { address: { name, adl: null, mailbox: mailbox === undefined || (mailbox === '' && !quoted) ? 'MISSING_MAILBOX' : mailbox, host: domain || 'MISSING_DOMAIN' }, complete: r.i >= tokens.length, at, local: failed ? undefined : local, quoted, domain };
}

