/**
 * Access tables written in main.cf itself, which the grader can look into as smtpd would
 * (access(5)): `static:RESULT`, `inline:{ key=value, ... }` and `cidr:{ { network result }, ... }`.
 * A table in a file (hash:, lmdb:, texthash:, regexp:, ...) is invisible to the grader, and an
 * invisible table might say OK to anyone: it is never assumed harmless.
 */

export type TableVerdict = 'ok' | 'reject' | 'dunno';

export interface TableAnswer {
  /** What the table says, or undefined when it cannot be read here. */
  verdict?: TableVerdict;
  /** The key that matched and the result, for explanations. */
  key?: string;
  result?: string;
  /** The table's result is itself a restriction (e.g. permit_mynetworks): evaluate it. */
  restriction?: string;
}

/** Splits on commas and blanks outside braces, as Postfix does for lists and inline tables. */
export function splitOutsideBraces(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let token = '';
  for (const c of value) {
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (c === ',' || /\s/.test(c))) {
      if (token) out.push(token);
      token = '';
      continue;
    }
    token += c;
  }
  if (token) out.push(token);
  return out;
}

function inner(table: string): string | undefined {
  const m = /^[a-z]+:\{(.*)\}$/is.exec(table.trim());
  return m ? m[1] : undefined;
}

/** inline:{ a=b, { c = d e } } -> [[a, b], [c, d e]] */
function inlineEntries(body: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const item of splitOutsideBraces(body.replace(/\s*=\s*/g, '='))) {
    const raw = item.startsWith('{') && item.endsWith('}') ? item.slice(1, -1).trim() : item;
    const eq = raw.indexOf('=');
    if (eq > 0) entries.push([raw.slice(0, eq).trim().toLowerCase(), raw.slice(eq + 1).trim()]);
  }
  return entries;
}

function verdictOf(result: string): TableAnswer {
  const word = result.split(/\s+/)[0]!.toUpperCase();
  if (word === 'OK' || word === 'PERMIT' || /^\d+$/.test(word) || word === 'DISCARD') return { verdict: 'ok', result };
  if (/^(REJECT|DEFER|DEFER_IF_PERMIT|DEFER_IF_REJECT|[45]\d\d)$/.test(word)) return { verdict: 'reject', result };
  if (word === 'DUNNO' || word === 'WARN' || word === 'INFO' || word === 'PREPEND' || word === 'HOLD' || word === 'FILTER' || word === 'REDIRECT' || word === 'BCC') return { verdict: 'dunno', result };
  return { restriction: result.split(/\s+/)[0]!.toLowerCase(), result };
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
}

/** Whether an IPv4 address is inside a network ("203.0.113.0/24", "[192.0.2.1]"); undefined for what is not IPv4. */
export function inCidr(ip: string, network: string): boolean | undefined {
  const m = /^\[?(\d{1,3}(?:\.\d{1,3}){3})\]?(?:\/(\d{1,2}))?$/.exec(network);
  if (!m) return network.includes(':') && !network.startsWith('/') ? undefined : false;
  const bits = m[2] === undefined ? 32 : Number(m[2]);
  if (bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(m[1]!) & mask) >>> 0);
}

/** Whether the grader can read this table from main.cf alone. */
export function visibleTable(table: string): boolean {
  return /^static:/i.test(table) || /^(inline|cidr):\{.*\}$/is.test(table.trim());
}

/**
 * Looks keys up in the order smtpd tries them (access(5): e.g. the client's name, then its
 * address and the address's shorter prefixes; for an e-mail address the address, the domain
 * and its parents, then "user@"). The IP is used for cidr: tables.
 */
export function lookUp(table: string, keys: string[], ip?: string): TableAnswer {
  if (/^static:/i.test(table)) return { ...verdictOf(table.slice(table.indexOf(':') + 1)), key: '(any)' };
  const body = inner(table);
  if (body === undefined) return {};
  if (/^cidr:/i.test(table)) {
    for (const rule of splitOutsideBraces(body)) {
      const text = rule.startsWith('{') ? rule.slice(1, -1).trim() : rule;
      const [network, ...result] = text.split(/\s+/);
      if (ip && network && result.length && inCidr(ip, network)) return { ...verdictOf(result.join(' ')), key: network };
    }
    return { verdict: 'dunno' };
  }
  const entries = inlineEntries(body);
  for (const key of keys) {
    const hit = entries.find(([k]) => k === key.toLowerCase());
    if (hit) return { ...verdictOf(hit[1]), key: hit[0] };
  }
  return { verdict: 'dunno' };
}

/** The keys smtpd looks up for a client address (no reverse name: the test clients have none). */
export function clientKeys(ip: string): string[] {
  const octets = ip.split('.');
  return [ip, octets.slice(0, 3).join('.'), octets.slice(0, 2).join('.'), octets[0]!];
}

/**
 * The keys for an e-mail address: the address, its domain and (smtpd_access_maps being in
 * parent_domain_matches_subdomains) the parent domains, then "local@".
 */
export function addressKeys(address: string): string[] {
  const at = address.lastIndexOf('@');
  const parents = address.slice(at + 1).split('.').map((_, i, labels) => labels.slice(i).join('.'));
  return [address, ...parents, `${address.slice(0, at)}@`];
}
