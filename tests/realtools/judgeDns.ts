/**
 * The real tools' verdict on a DNS exercise answer: BIND loads the zone (with the exercise's
 * given records, and a minimal SOA/NS when the exercise asks for only some records), then the
 * exercise's requirements are read off what BIND would serve — MX hosts in order, pyspf's
 * result per IP, dkimpy's verification, the one DMARC record by RFC 7489's grammar, the PTR
 * and its forward confirmation. An empty list of reasons means the tools accept the answer.
 */
import { addressesOf, hasSoa, loadWithBind, recordsAt, zoneApex, type BindRecord } from './bind.js';
import type { MailauthResult, MailauthTask } from './mailauth.js';

export interface DnsPlan {
  /** Why the answer is wrong so far (BIND refusals, requirements read off the records). */
  reasons: string[];
  records: string[];
  tasks: MailauthTask[];
  /** Turns pyspf/dkimpy/DMARC results into more reasons. */
  finish(results: MailauthResult[]): string[];
}

interface Params {
  origin: string;
  given?: string;
  givenOrigin?: string;
  hosts?: Record<string, string>;
  mx?: { domain: string; hosts: string[] };
  spf?: { domain: string; pass: Array<{ ip: string }>; fail: string[] };
  dkim?: { domain: string; selector: string; privateKey: string };
  dmarc?: { domain: string; policy: string; rua: string[]; subdomainPolicy?: string; adkim?: string; aspf?: string };
  ptr?: { ip: string; host: string };
}

const fqdn = (n: string): string => (n.toLowerCase().endsWith('.') ? n.toLowerCase() : `${n.toLowerCase()}.`);

/** The zone files BIND loads for this answer: [origin, text]. */
function zoneFiles(grader: string, p: Params, answer: string): Array<[string, string]> {
  const origin = fqdn(p.origin);
  if (grader === 'dns-zone') return [[origin, answer]];
  const givenOrigin = p.givenOrigin ? fqdn(p.givenOrigin) : origin;
  const own = [hasSoa(answer) ? `$TTL 3600\n$ORIGIN ${origin}` : zoneApex(origin)];
  if (p.given && givenOrigin === origin) own.push(p.given);
  own.push(`$ORIGIN ${origin}`, answer);
  const files: Array<[string, string]> = [[origin, own.join('\n')]];
  if (p.given && givenOrigin !== origin) files.push([givenOrigin, `${zoneApex(givenOrigin)}\n${p.given}`]);
  return files;
}

export async function planDns(grader: string, p: Params, answer: string): Promise<DnsPlan> {
  const zones = await Promise.all(zoneFiles(grader, p, answer).map(([origin, textOf]) => loadWithBind(origin, textOf)));
  const reasons: string[] = [];
  for (const z of zones) if (!z.loaded) reasons.push(`BIND refuses ${z.origin}: ${z.messages.join(' | ')}`);
  const records: BindRecord[] = zones.flatMap((z) => z.records);
  const none: DnsPlan = { reasons, records: [], tasks: [], finish: () => [] };
  if (reasons.length) return none;

  for (const [host, ip] of Object.entries(p.hosts ?? {})) {
    if (!recordsAt(records, host, 'A').some((r) => r.data === ip)) reasons.push(`${host} has no A ${ip}`);
  }
  if (p.mx) {
    const mx = recordsAt(records, p.mx.domain, 'MX').map((r) => {
      const [pref, target] = r.data.split(/\s+/);
      // BIND keeps a name's case as written; names compare without it.
      return { pref: Number(pref), target: target!.toLowerCase() };
    });
    const wanted = p.mx.hosts.map(fqdn);
    const targets = mx.map((m) => m.target).sort();
    if (JSON.stringify(targets) !== JSON.stringify([...wanted].sort())) reasons.push(`MX targets are ${targets.join(' ') || 'none'}, asked ${wanted.join(' ')}`);
    else {
      const prefs = wanted.map((h) => mx.find((m) => m.target === h)!.pref);
      if (prefs.some((x, i) => i > 0 && !(prefs[i - 1]! < x))) reasons.push(`MX preferences ${prefs.join(',')} not in the order asked`);
      for (const h of wanted) if (addressesOf(records, h).length === 0) reasons.push(`MX target ${h} has no address`);
    }
  }
  if (p.ptr) {
    const name = `${p.ptr.ip.split('.').reverse().join('.')}.in-addr.arpa.`;
    const ptrs = recordsAt(records, name, 'PTR').map((r) => r.data.toLowerCase());
    if (ptrs.length !== 1 || ptrs[0] !== fqdn(p.ptr.host)) reasons.push(`PTR at ${name} is [${ptrs.join(', ')}], asked exactly ${fqdn(p.ptr.host)}`);
    else if (!addressesOf(records, p.ptr.host).includes(p.ptr.ip)) reasons.push(`${p.ptr.host} does not resolve back to ${p.ptr.ip}`);
  }

  const tasks: MailauthTask[] = [];
  const checks: Array<(r: MailauthResult) => string | undefined> = [];
  if (p.spf) {
    const spf = p.spf;
    for (const { ip } of spf.pass) {
      tasks.push({ kind: 'spf', domain: spf.domain, ip });
      checks.push((r) => (r.result === 'pass' ? undefined : `pyspf: ${ip} gets ${r.result} (${r.explanation ?? r.why}), asked pass`));
    }
    for (const ip of spf.fail) {
      tasks.push({ kind: 'spf', domain: spf.domain, ip });
      checks.push((r) => (r.result === 'fail' ? undefined : `pyspf: ${ip} gets ${r.result} (${r.explanation ?? r.why}), asked fail`));
    }
  }
  if (p.dkim) {
    tasks.push({ kind: 'dkim', domain: p.dkim.domain, selector: p.dkim.selector, privateKey: p.dkim.privateKey });
    checks.push((r) => (r.ok ? undefined : `DKIM: ${r.why}`));
  }
  if (p.dmarc) {
    const want = p.dmarc;
    tasks.push({ kind: 'dmarc', domain: want.domain });
    checks.push((r) => {
      if (!r.ok) return `DMARC: ${r.why}`;
      const tags = r.tags!;
      const policy = tags.p!.toLowerCase();
      if (policy !== want.policy) return `DMARC p=${policy}, asked ${want.policy}`;
      if (policy !== 'none' && tags.pct !== undefined && Number(tags.pct) < 100) return `DMARC pct=${tags.pct}: the policy is not enforced on all failing mail`;
      const rua = (tags.rua ?? '').split(',').map((u) => u.trim().replace(/^mailto:/i, '').replace(/!.*$/, '').toLowerCase());
      const missing = want.rua.filter((a) => !rua.includes(a.toLowerCase()));
      if (missing.length) return `DMARC reports do not go to ${missing.join(', ')}`;
      const sp = (tags.sp ?? tags.p!).toLowerCase();
      if (want.subdomainPolicy && sp !== want.subdomainPolicy) return `DMARC sp=${sp}, asked ${want.subdomainPolicy}`;
      if (want.adkim && (tags.adkim ?? 'r').toLowerCase() !== want.adkim) return `DMARC adkim=${tags.adkim ?? 'r'}, asked ${want.adkim}`;
      if (want.aspf && (tags.aspf ?? 'r').toLowerCase() !== want.aspf) return `DMARC aspf=${tags.aspf ?? 'r'}, asked ${want.aspf}`;
      return undefined;
    });
  }
  return {
    reasons,
    records: records.map((r) => r.line),
    tasks,
    finish: (results) => results.map((r, i) => checks[i]!(r)).filter((x): x is string => x !== undefined),
  };
}
