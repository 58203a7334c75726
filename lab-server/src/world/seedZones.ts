/**
 * The zones every sandbox starts with: its mail domains (example.com and otherdomain.com) and
 * the reverse zone of the lab network, as the course's complete zone (chapter 6.3) has them:
 * A records for mail and mail2, MX, SPF, DKIM with the sandbox's own key, DMARC and PTR.
 * A zone also needs what the course leaves out and BIND insists on: SOA and NS. A sandbox gets
 * them when its zones are first needed (zonesInPlace), with its DKIM keys.
 */
import { DKIM_SELECTOR, dkimKey } from './dkimKeys.js';
import { LAB_HOSTS, LAB_MTAS, LAB_NETWORK, homeMta } from './network.js';
import type { Sandbox } from './sandbox.js';
import { writeZoneText, zoneNames } from './zoneStore.js';

/** The reverse zone of the lab network. */
export const REVERSE_ZONE = LAB_NETWORK.reverseZone;
const NAME_SERVER = LAB_HOSTS.find((h) => h.host.startsWith('ns1.'))!;
const BACKUP_MX = LAB_HOSTS.find((h) => h.host.startsWith('mail2.'))!;

function header(origin: string, what: string): string {
  return [
    `; ${what}`,
    '; Edit it in the zone editor (or PUT /api/zones/' + origin + '): the lab DNS serves it at once.',
    `$ORIGIN ${origin}.`,
    '$TTL 3600',
    `@       IN SOA  ${NAME_SERVER.host}. hostmaster.${LAB_MTAS[0]!.domain}. (`,
    '                2026090101 ; serial',
    '                3600       ; refresh',
    '                600        ; retry',
    '                604800     ; expire',
    '                300 )      ; negative-caching TTL',
    `@       IN NS   ${NAME_SERVER.host}.`,
  ].join('\n');
}

/** A TXT value as quoted strings of at most 255 bytes each (a DKIM key is longer). */
function quotedChunks(value: string, indent: string): string {
  const chunks = value.match(/.{1,250}/g) ?? [''];
  if (chunks.length === 1) return `"${chunks[0]}"`;
  return `( ${chunks.map((c) => `"${c}"`).join(`\n${indent}`)} )`;
}

/** The zone of one mail domain of the sandbox. */
export function forwardZone(domain: string, dkimPublicKey: string): string {
  const mta = homeMta(domain);
  const own = mta.domain === domain;
  const lines = [header(domain, `Zone ${domain}. of your MailLab sandbox: the course's complete zone (chapter 6.3). / 你的沙箱中的 ${domain}. 区域`)];
  if (domain === NAME_SERVER.host.split('.').slice(1).join('.')) lines.push(`ns1     IN A    ${NAME_SERVER.address}`);
  lines.push('', '; A records / 基础 A 记录');
  if (own) lines.push(`mail    IN A    ${mta.address}`);
  if (own && BACKUP_MX.host.endsWith(`.${domain}`)) lines.push(`mail2   IN A    ${BACKUP_MX.address}`);
  lines.push('', '; MX records / MX 记录');
  lines.push(`@       IN MX 10 ${own ? `mail.${domain}.` : `${mta.host}.`}`);
  if (own && BACKUP_MX.host.endsWith(`.${domain}`)) lines.push(`@       IN MX 20 ${BACKUP_MX.host}.`);
  lines.push('', '; SPF: only the domain\'s MX and A hosts may send its mail / SPF：只有 MX 和 A 记录中的主机可以发信');
  lines.push('@       IN TXT  "v=spf1 mx a -all"');
  lines.push('', `; DKIM: the public half of this sandbox's own key (selector "${DKIM_SELECTOR}") / 本沙箱自己的 DKIM 公钥`);
  lines.push(`${DKIM_SELECTOR}._domainkey IN TXT ${quotedChunks(`v=DKIM1; k=rsa; p=${dkimPublicKey}`, '        ')}`);
  lines.push('', '; DMARC');
  lines.push(`_dmarc  IN TXT  "v=DMARC1; p=quarantine; rua=mailto:admin@${domain}"`);
  return lines.join('\n') + '\n';
}

/** The reverse zone: PTR records for every host of the lab network. */
export function reverseZone(): string {
  const hosts = [...LAB_HOSTS, ...LAB_MTAS.map((m) => ({ host: m.host, address: m.address }))].sort((a, b) => Number(a.address.split('.')[3]) - Number(b.address.split('.')[3]));
  const lines = [header(REVERSE_ZONE, `Reverse zone of the lab network ${LAB_NETWORK.cidr} (PTR records). / 实验网络的反向区域（PTR 记录）`), '', '; PTR records / 反向 DNS（PTR 记录）'];
  for (const h of hosts) lines.push(`${h.address.split('.')[3]!.padEnd(7)} IN PTR ${h.host}.`);
  return lines.join('\n') + '\n';
}

/** The seeded text of one zone of a sandbox, or undefined when the sandbox starts without it. */
export async function seededZoneText(sandbox: Sandbox, zone: string): Promise<string | undefined> {
  if (zone === REVERSE_ZONE) return reverseZone();
  if (!sandbox.definition.domains.includes(zone)) return undefined;
  return forwardZone(zone, (await dkimKey(sandbox, zone)).publicKey);
}

/** Writes the seeded zones of a sandbox (over whatever is there: used at create and reset). */
export async function seedZones(sandbox: Sandbox): Promise<void> {
  for (const domain of sandbox.definition.domains) {
    const key = await dkimKey(sandbox, domain);
    await writeZoneText(sandbox, domain, forwardZone(domain, key.publicKey));
  }
  await writeZoneText(sandbox, REVERSE_ZONE, reverseZone());
}

/** Seedings under way: two first uses at once (a dig and the zone editor) seed once. */
const seeding = new WeakMap<Sandbox, Promise<void>>();

/**
 * Seeds the seeded zones a sandbox lacks: all of them for a new one (its DKIM keys are made now,
 * not at create) or one made before the lab had DNS, the rest for one whose seeding was cut
 * short (the lab killed, or a write failing, between two zone files): seeding only a sandbox
 * with no zone left it without otherdomain.com or its PTRs for good. Nothing else removes a
 * zone (renumberZones renames the old reverse zone before this runs), so a missing one was never
 * written and no learner's edit is lost. Every reader of a sandbox's zones calls it first.
 */
export function zonesInPlace(sandbox: Sandbox): Promise<void> {
  let run = seeding.get(sandbox);
  if (!run) {
    run = (async () => {
      const present = new Set(await zoneNames(sandbox));
      for (const zone of [...sandbox.definition.domains, REVERSE_ZONE]) {
        if (present.has(zone)) continue;
        const text = await seededZoneText(sandbox, zone);
        if (text !== undefined) await writeZoneText(sandbox, zone, text);
      }
    })().finally(() => seeding.delete(sandbox));
    seeding.set(sandbox, run);
  }
  return run;
}
