/**
 * The names a zone must write as host names, as BIND checks them when it loads a primary zone
 * (named.conf's `check-names primary fail`, `named-checkzone -k fail`): letters, digits and
 * hyphens, no hyphen at either end of a label (RFC 952, RFC 1123 §2.1).
 *
 *  - Owners of A, AAAA and MX records are hosts; a wildcard is allowed as the first label only.
 *  - MX, NS and SRV targets and the SOA's primary server are hosts ("." stays allowed: a null
 *    MX, RFC 7505, or "no service" for SRV).
 *  - The SOA's mailbox is a host name after its first label, which may hold any character
 *    ("john\.smith" for john.smith@).
 *  - A PTR in a reverse zone names a host.
 *
 * Graders report these for any answer (loadExerciseZone); the zone editor also makes BIND's
 * check at load of the apex NS records: an NS target inside the zone must have an
 * address (A or AAAA) and must not be a CNAME, or the zone is not loaded.
 */
import { isIP } from 'node:net';
import { error, text, type FeedbackLine } from '../feedback.js';
import { absoluteName } from './zoneNames.js';
import type { ZoneRecord } from './zoneRecord.js';

/** The labels of an absolute name as stored by the parser ("a\.b.example.com."), escapes undone. */
function labels(name: string): string[] {
  if (name === '.') return [];
  return name
    .slice(0, -1)
    .split(/(?<!\\)\./)
    .map((l) => l.replace(/\\(.)/g, '$1'));
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** True when `name` is a host name; `wildcard` allows "*" as its first label (owner names). */
export function isHostName(name: string, wildcard = false): boolean {
  const all = labels(name);
  const rest = wildcard && all[0] === '*' ? all.slice(1) : all;
  return rest.every((l) => HOST_LABEL.test(l));
}

/** A mailbox name (the SOA's RNAME): any first label, then a host name. */
function isMailboxName(name: string): boolean {
  return labels(name).slice(1).every((l) => HOST_LABEL.test(l));
}

const REVERSE = /(^|\.)(in-addr|ip6)\.arpa\.$/;

/** A target written as an address ("192.0.2.1", "2001:db8::25"): explained as such, not as a bad host name. */
export function writtenAsAddress(written: string | undefined): boolean {
  return written !== undefined && /^(\d{1,3}\.){3}\d{1,3}\.?$|:/.test(written);
}

const BYTE = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DOTTED_QUAD = new RegExp(`^${BYTE}(\\.${BYTE}){3}$`);

/** An address as BIND's NS check reads one (inet_pton): four decimal bytes, no leading zeros, or IPv6; one final dot allowed. */
function isAddressText(written: string | undefined): boolean {
  const t = (written ?? '').replace(/\.$/, '');
  return DOTTED_QUAD.test(t) || isIP(t) === 6;
}

/** named-compilezone's "NS is an address" (named-checkzone warns: "appears to be an address"). */
function nsAddress(r: ZoneRecord): FeedbackLine {
  return error(
    'zone.ns-address',
    text(
      `Line ${r.line}: the name server is written as an address (${r.targetText}). An NS record names a host; BIND reads "${r.targetText}" as the host name "${r.target}", and named-compilezone refuses the zone ("NS is an address"; named-checkzone warns that it "appears to be an address").`,
      `第 ${r.line} 行：名字服务器写成了地址（${r.targetText}）。NS 记录要写主机名；BIND 会把 "${r.targetText}" 当成主机名 "${r.target}"，named-compilezone 会拒绝加载这个区域（"NS is an address"；named-checkzone 会警告 "appears to be an address"）。`,
    ),
    text(`Name the server (e.g. "ns1.example.com.") and give that name an A record with ${r.targetText?.replace(/\.$/, '')}.`, `写服务器的名字（例如 "ns1.example.com."），再给这个名字一条 A 记录，写上 ${r.targetText?.replace(/\.$/, '')}。`),
  );
}

/** The types whose target BIND wants to be a host name (a PTR only in a reverse zone). */
export function hasHostTarget(r: ZoneRecord): boolean {
  return r.type === 'MX' || r.type === 'NS' || r.type === 'SRV' || (r.type === 'PTR' && REVERSE.test(r.name));
}

function badOwner(r: ZoneRecord): FeedbackLine {
  return error(
    'zone.bad-owner-name',
    text(
      `Line ${r.line}: "${r.name}" is not a host name, so it cannot own ${r.type} records: BIND refuses the zone ("bad owner name (check-names)"). A host name has only letters, digits and hyphens, with no hyphen at either end of a label.`,
      `第 ${r.line} 行："${r.name}" 不是合法的主机名，不能拥有 ${r.type} 记录：BIND 会拒绝加载这个区域（bad owner name (check-names)）。主机名只能由字母、数字和连字符组成，标签的首尾不能是连字符。`,
    ),
    text('Rename the host (a hyphen instead of "_" or an escaped dot); "*" may only be the first label.', '给主机改个名字（用连字符代替 "_" 或转义的点）；"*" 只能做第一个标签。'),
  );
}

const FIELDS = {
  target: { en: 'target', zh: '目标' },
  'primary server': { en: 'primary server', zh: '主服务器' },
  mailbox: { en: 'mailbox', zh: '邮箱' },
} as const;

function badTarget(r: ZoneRecord, field: keyof typeof FIELDS, name: string): FeedbackLine {
  const what = field === 'mailbox' ? { en: 'a host name after its first label', zh: '在第一个标签之后不是合法的主机名' } : { en: 'a host name', zh: '不是合法的主机名' };
  return error(
    'zone.bad-host-name',
    text(
      `Line ${r.line}: the ${r.type} record's ${FIELDS[field].en} "${name}" is not ${what.en}: BIND refuses the zone ("bad name (check-names)"). A host name has only letters, digits and hyphens, with no hyphen at either end of a label, and no "*".`,
      `第 ${r.line} 行：${r.type} 记录的${FIELDS[field].zh} "${name}" ${what.zh}：BIND 会拒绝加载这个区域（bad name (check-names)）。主机名只能由字母、数字和连字符组成，标签的首尾不能是连字符，也不能有 "*"。`,
    ),
    field === 'mailbox'
      ? text('Write the mailbox as its first label (any characters) followed by a host name: "hostmaster.example.com." for hostmaster@example.com.', '邮箱写成第一个标签（可以是任何字符）加一个主机名：hostmaster@example.com 写作 "hostmaster.example.com."。')
      : text('Point it at a real host name that has an A or AAAA record.', '让它指向一个有 A 或 AAAA 记录的真实主机名。'),
  );
}

/** The names BIND would refuse in these records. */
export function checkHostNames(records: ZoneRecord[]): FeedbackLine[] {
  const found: FeedbackLine[] = [];
  for (const r of records) {
    if ((r.type === 'A' || r.type === 'AAAA' || r.type === 'MX') && !isHostName(r.name, true)) found.push(badOwner(r));
    // An MX written as an address is mx.ts's to explain; "1:2." is no address to BIND, only a bad name.
    const address = r.type === 'MX' ? writtenAsAddress(r.targetText) : isAddressText(r.targetText);
    if (hasHostTarget(r) && r.target && !address && !isHostName(r.target)) found.push(badTarget(r, 'target', r.target));
    if (r.type === 'NS' && isAddressText(r.targetText)) found.push(nsAddress(r));
    if (r.type === 'SOA') {
      const [mname, rname] = [r.rdata[0], r.rdata[1]].map((t) => absoluteName(t ?? '.', r.origin).name);
      if (mname && !isHostName(mname)) found.push(badTarget(r, 'primary server', mname));
      if (rname && !isMailboxName(rname)) found.push(badTarget(r, 'mailbox', rname));
    }
  }
  return found;
}

/** BIND's load-time check of the apex NS targets inside the zone: each has an address and is no alias. */
export function checkApexNs(records: ZoneRecord[], origin: string): FeedbackLine[] {
  const found: FeedbackLine[] = [];
  // Looked up by name, not searched: a zone may hold thousands of NS records (5 500 took 4 s).
  const byName = new Map<string, ZoneRecord[]>();
  for (const r of records) {
    const list = byName.get(r.name);
    if (list) list.push(r);
    else byName.set(r.name, [r]);
  }
  let covered: ((host: string) => boolean) | undefined;
  const seen = new Set<string>();
  for (const ns of records.filter((r) => r.type === 'NS' && r.name === origin && r.target)) {
    const host = ns.target!;
    if ((host !== origin && !host.endsWith(`.${origin}`)) || seen.has(host)) continue;
    seen.add(host);
    const here = byName.get(host) ?? [];
    if (here.some((r) => r.type === 'CNAME')) {
      found.push(
        error(
          'zone.ns-is-cname',
          text(`Line ${ns.line}: the name server ${host} is a CNAME: BIND refuses the zone ("NS is a CNAME (illegal)").`, `第 ${ns.line} 行：域名服务器 ${host} 是一个 CNAME：BIND 会拒绝加载这个区域（NS is a CNAME (illegal)）。`),
          text('Name the server by its own name, the one with the A record.', '写服务器本来的名字，也就是有 A 记录的那个。'),
        ),
      );
      continue;
    }
    if (here.some((r) => r.type === 'A' || r.type === 'AAAA')) continue;
    covered ??= wildcardAddresses(byName, origin);
    if (!covered(host)) {
      found.push(
        error(
          'zone.ns-no-address',
          text(`Line ${ns.line}: the name server ${host} is inside the zone but has no A or AAAA record: BIND refuses the zone ("has no address records").`, `第 ${ns.line} 行：域名服务器 ${host} 在区域之内，却没有 A 或 AAAA 记录：BIND 会拒绝加载这个区域（has no address records）。`),
          text(`Add "${host} IN A …" with the server's address.`, `加上一行 "${host} IN A …"，写上服务器的地址。`),
        ),
      );
    }
  }
  return found;
}

/**
 * Whether a host with no node of its own gets an address from the wildcard at its closest
 * encloser (RFC 4592), as BIND's lookup finds it.
 */
function wildcardAddresses(byName: Map<string, ZoneRecord[]>, origin: string): (host: string) => boolean {
  const up = (n: string): string => n.slice(n.indexOf('.') + 1);
  const nodes = new Set<string>();
  for (const name of byName.keys()) for (let n = name; n.includes('.') && !nodes.has(n); n = up(n)) nodes.add(n);
  return (host) => {
    if (nodes.has(host)) return false;
    for (let n = up(host); n.includes('.'); n = up(n)) {
      if (nodes.has(n)) return (byName.get(`*.${n}`) ?? []).some((r) => r.type === 'A' || r.type === 'AAAA');
      if (n === origin) break;
    }
    return false;
  };
}
