/**
 * The words of an address header (RFC 5322 §3.2): atoms, quoted strings, comments, [literals]
 * and specials, each knowing whether a blank came before it, and a display name made of them
 * as Dovecot 2.3 makes it.
 */

/** `glued`: no blank or comment before it ("J.Smith" is one word of a name, "J. Smith" two). */
export type Tok = { kind: 'word' | 'quoted' | 'comment' | 'literal' | 'special'; text: string; glued?: true };

export function tokenize(text: string): Tok[] {
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

export const isSpecial = (t: Tok | undefined, ch: string): boolean => t?.kind === 'special' && t.text === ch;

export const isWord = (t: Tok | undefined): boolean => t?.kind === 'word' || t?.kind === 'quoted';

/** A display name: words and quoted strings joined by single spaces (rfc822_parse_phrase). */
export function joinPhrase(tokens: Tok[]): string {
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
