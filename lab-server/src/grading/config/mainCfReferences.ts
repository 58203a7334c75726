/**
 * The $name references in a main.cf value, as Postfix reads them: `$$` (a dollar sign),
 * `$name`, `${name}`, `$(name)`, and the conditional forms `${name?value}` / `${name:value}`
 * (and with parentheses). A `${` or `$(` that is not closed is no reference: the dollar stays.
 *
 * Found in one walk of the value. A regular expression with `[^}]*` tried at every "$" read
 * the rest of the value again each time: "$(a?" written 15 000 times held the lab 16 s.
 */

export interface Reference {
  /** Where the reference starts (its "$") and ends (just after it). */
  start: number;
  end: number;
  /** `$$`: a literal dollar sign. */
  dollar?: true;
  name?: string;
  op?: '?' | ':';
  /** The value after "?" or ":" (unexpanded). */
  arg?: string;
}

const NAME = /[A-Za-z0-9_]/;

/** The first `char` at or after a position, each search starting where the last one stopped. */
function firstFrom(value: string, char: string): (from: number) => number {
  let found = -2;
  return (from) => {
    if (found === -1 || found >= from) return found;
    found = value.indexOf(char, from);
    return found;
  };
}

export function references(value: string): Reference[] {
  const found: Reference[] = [];
  const closing = { '{': firstFrom(value, '}'), '(': firstFrom(value, ')') };
  for (let i = value.indexOf('$'); i >= 0 && i < value.length; i = value.indexOf('$', i)) {
    const next = value[i + 1];
    if (next === '$') {
      found.push({ start: i, end: i + 2, dollar: true });
      i += 2;
      continue;
    }
    let j = i + 1;
    if (next === '{' || next === '(') j++;
    const nameStart = j;
    while (j < value.length && NAME.test(value[j]!)) j++;
    const name = value.slice(nameStart, j);
    if (name === '') {
      i++;
      continue;
    }
    if (next !== '{' && next !== '(') {
      found.push({ start: i, end: j, name });
      i = j;
      continue;
    }
    const close = next === '{' ? '}' : ')';
    if (value[j] === close) {
      found.push({ start: i, end: j + 1, name });
      i = j + 1;
      continue;
    }
    const op = value[j];
    const end = op === '?' || op === ':' ? closing[next](j + 1) : -1;
    if (end < 0) {
      i++;
      continue;
    }
    found.push({ start: i, end: end + 1, name, op: op as '?' | ':', arg: value.slice(j + 1, end) });
    i = end + 1;
  }
  return found;
}
