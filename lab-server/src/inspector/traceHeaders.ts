/**
 * The header fields that tell a message's story, taken apart for the inspector: each
 * Received: line as a hop (who handed it to whom, how, when, and how long after the hop
 * before), Authentication-Results: as one verdict per method (RFC 8601), and DKIM-Signature:
 * tag by tag (RFC 6376 §3.5).
 */

export interface Hop {
  from?: string;
  /** What the receiving server saw: "(mail.example.com [192.0.2.100])". */
  fromDetail?: string;
  by?: string;
  with?: string;
  id?: string;
  for?: string;
  tls?: string;
  date?: string;
  /** Milliseconds since the hop below it (the one before in time); undefined for the oldest or when a date is missing. */
  delayMs?: number;
}

export interface AuthVerdict {
  method: string;
  result: string;
  comment?: string;
  props: Array<[string, string]>;
}

export interface AuthResults {
  authservId: string;
  verdicts: AuthVerdict[];
}

/** Received: values, newest first as they stand in the message. */
export function parseHops(values: readonly string[]): Hop[] {
  const hops = values.map((v): Hop => {
    const semi = v.lastIndexOf(';');
    const clauses = semi >= 0 ? v.slice(0, semi) : v;
    const date = semi >= 0 ? v.slice(semi + 1).trim() : undefined;
    const word = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}\\s+([^\\s;()]+)`, 'i').exec(clauses)?.[1];
    const from = /(?:^|\s)from\s+(\S+)(?:\s+(\([^)]*\)))?/i.exec(clauses);
    const tls = /\(using (TLS[^)]*)\)/i.exec(clauses)?.[1];
    return {
      ...(from ? { from: from[1]! } : {}),
      ...(from?.[2] ? { fromDetail: from[2] } : {}),
      ...(word('by') ? { by: word('by')! } : {}),
      ...(word('with') ? { with: word('with')! } : {}),
      ...(word('id') ? { id: word('id')! } : {}),
      ...(word('for') ? { for: word('for')!.replace(/^<|>$/g, '') } : {}),
      ...(tls ? { tls } : {}),
      ...(date ? { date } : {}),
    };
  });
  for (let i = 0; i < hops.length - 1; i++) {
    const here = Date.parse(hops[i]!.date ?? '');
    const before = Date.parse(hops[i + 1]!.date ?? '');
    if (Number.isFinite(here) && Number.isFinite(before)) hops[i]!.delayMs = here - before;
  }
  return hops;
}

/** Splits at `sep` outside parentheses and quotes. */
function splitOutside(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0 && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** "mx.example; dkim=pass header.d=x (good); spf=fail smtp.mailfrom=y" -> one verdict per method. */
export function parseAuthResults(value: string): AuthResults {
  const [authservId = '', ...rest] = splitOutside(value, ';');
  const verdicts = rest.map((part): AuthVerdict => {
    const comment = /\(([^)]*)\)/.exec(part)?.[1];
    const words = part.replace(/\([^)]*\)/g, ' ').trim().split(/\s+/);
    const [method = '', result = ''] = (words.shift() ?? '').split('=');
    const props = words.filter((w) => w.includes('=')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] as [string, string]);
    return { method: method.toLowerCase(), result: result.toLowerCase(), ...(comment ? { comment } : {}), props };
  });
  return { authservId: authservId.replace(/\s*\(.*\)$/, ''), verdicts };
}

/** DKIM-Signature tags in order; b= and bh= without the folding whitespace. */
export function parseDkimTags(value: string): Array<[string, string]> {
  return splitOutside(value, ';').map((t) => {
    const eq = t.indexOf('=');
    const tag = (eq < 0 ? t : t.slice(0, eq)).trim();
    const v = eq < 0 ? '' : t.slice(eq + 1).trim();
    return [tag, tag === 'b' || tag === 'bh' || tag === 'h' ? v.replace(/\s+/g, '') : v];
  });
}
