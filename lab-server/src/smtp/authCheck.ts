/**
 * Sender authentication on receipt, as OpenDKIM + OpenDMARC + an SPF policy daemon do it next
 * to Postfix: DKIM signatures verified, SPF evaluated for the client address and envelope
 * sender, DMARC from the From: domain with alignment — all by mailauth, with every DNS
 * question answered by the sandbox's lab DNS (never the system resolver). The result is an
 * Authentication-Results: header (RFC 8601), a disposition (deliver, quarantine, reject), and
 * a step-by-step report a learner can read: which record was looked up, what it said, what
 * passed or failed and why.
 */
import { createRequire } from 'node:module';
import { text, type Text } from '../grading/feedback.js';
import type { LabResolver } from '../dns/resolver.js';
import { withDkimKeysRead } from '../grading/dns/dkimKeyRead.js';
import { withDmarcSpacingRead } from '../grading/dns/dmarcSpacing.js';
import type { AuthOutcome, AuthStep, Disposition, LookupTrace } from '../world/authReports.js';
import { verifyDkim, type DkimVerification } from './dkimJobs.js';

const require = createRequire(import.meta.url);
const { spf: checkSpf } = require('mailauth/lib/spf') as { spf: (opts: unknown) => Promise<SpfResult> };
const { dmarc: checkDmarc } = require('mailauth/lib/dmarc') as { dmarc: (opts: unknown) => Promise<DmarcResult | false> };

interface SpfResult {
  domain: string;
  rr?: string;
  status: { result: string; comment?: string | false };
  info: string;
}
interface DmarcResult {
  status: { result: string; comment?: string | false; header?: { from?: string } };
  domain: string;
  policy?: string;
  p?: string;
  pct?: number;
  rr?: string;
  alignment?: { spf: { result?: string | false; strict: boolean }; dkim: { result?: string | false; strict: boolean } };
  info: string;
}

export interface AuthInput {
  /** The message as received (CRLF). */
  message: Buffer;
  /** Client address as the receiver sees it (a lab MTA's lab address, or 127.0.0.1). */
  ip: string;
  helo: string;
  /** Envelope sender ("" for a bounce). */
  sender: string;
  /** The receiving MTA (authserv-id). */
  host: string;
  resolver: LabResolver;
  /** Apply DMARC policy (quarantine/reject)? Only to mail from other lab mail servers. */
  enforce: boolean;
  /** Whose work this is (the sandbox), so a worker thread serves sandboxes in turn. */
  lane: string;
}

const RESULT_WORDS: Record<string, Text> = {
  pass: text('pass', '通过'),
  fail: text('fail', '失败'),
  softfail: text('softfail (suspicious, but not refused)', 'softfail（可疑，但不拒收）'),
  neutral: text('neutral (the record says nothing either way)', 'neutral（记录不置可否）'),
  none: text('none (no record)', 'none（没有记录）'),
  permerror: text('permerror (the record is broken)', 'permerror（记录本身有错）'),
  temperror: text('temperror (DNS failed, try later)', 'temperror（DNS 临时失败）'),
  policy: text('policy (the key is not acceptable)', 'policy（密钥不符合要求）'),
};

const word = (result: string): Text => RESULT_WORDS[result] ?? text(result, result);

/** Runs SPF, DKIM and DMARC for one incoming message. */
export async function checkSenderAuthentication(input: AuthInput): Promise<AuthOutcome> {
  const steps: AuthStep[] = [];
  const sender = input.sender || `postmaster@${input.helo}`;

  // DKIM: every signature, each key fetched from <selector>._domainkey.<d>.
  const dkimDns = input.resolver.traced();
  const dkim = await verifyDkim(input.message, { resolve: withDkimKeysRead(dkimDns.resolve), sender, minBitLength: 1024, lane: input.lane });
  steps.push(dkimStep(dkim, dkimDns.traces));

  // SPF: the envelope sender's domain, for the client address.
  const spfDns = input.resolver.traced();
  const spf = await checkSpf({ sender, ip: input.ip, helo: input.helo, mta: input.host, resolver: spfDns.resolve });
  steps.push(spfStep(spf, input, spfDns.traces));

  // DMARC: the From: domain, with SPF and DKIM results that passed.
  const dmarcDns = input.resolver.traced();
  const headerFrom = dkim.headerFrom?.length === 1 ? dkim.headerFrom[0] : undefined;
  const dmarc = headerFrom
    ? await checkDmarc({
        headerFrom,
        spfDomains: spf.status.result === 'pass' && spf.domain ? [spf.domain] : [],
        dkimDomains: dkim.results.filter((r) => r.status.result === 'pass').map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned })),
        // "p = reject" read as OpenDMARC and RFC 7489 read it, not as mailauth does (" reject").
        resolver: withDmarcSpacingRead(dmarcDns.resolve),
      })
    : false;

  let disposition: Disposition = 'deliver';
  let policyApplied = false;
  const policy = dmarc && dmarc.status.result === 'fail' ? (dmarc.policy ?? 'none') : undefined;
  if (policy === 'quarantine' || policy === 'reject') {
    const sampled = dmarc && typeof dmarc.pct === 'number' && dmarc.pct < 100 ? Math.random() * 100 < dmarc.pct : true;
    if (input.enforce && sampled) {
      disposition = policy;
      policyApplied = true;
    }
  }
  steps.push(dmarcStep(dmarc, headerFrom, dkim, spf, { disposition, policy, enforce: input.enforce, ip: input.ip }, dmarcDns.traces));

  const dis = disposition === 'deliver' ? 'NONE' : disposition.toUpperCase();
  const rows = [
    ...(dkim.results.length > 0 ? dkim.results.map((r) => r.info) : ['dkim=none (message not signed)']),
    spf.info,
    ...(dmarc ? [dmarc.info.replace(/^(dmarc=\S+ \()([^)]*)\)/, `$1$2 dis=${dis})`)] : ['dmarc=none (no single From: address)']),
  ];
  return {
    header: `Authentication-Results: ${input.host};\r\n ${rows.join(';\r\n ')}\r\n`,
    spf: spf.status.result,
    dkim: dkim.results.length === 0 ? 'none' : dkim.results.some((r) => r.status.result === 'pass') ? 'pass' : dkim.results[0]!.status.result,
    dmarc: dmarc ? dmarc.status.result : 'none',
    ...(policy ? { policy } : {}),
    disposition,
    policyApplied,
    ...(headerFrom ? { headerFrom } : {}),
    steps,
  };
}

function dkimStep(dkim: DkimVerification, lookups: LookupTrace[]): AuthStep {
  const explain: Text[] = [];
  if (dkim.results.length === 0) {
    explain.push(text('The message has no DKIM-Signature header, so there is nothing to verify: dkim=none.', '邮件没有 DKIM-Signature 头，没有可验证的签名：dkim=none。'));
    return { check: 'dkim', result: 'none', lookups, explain };
  }
  for (const r of dkim.results) {
    const d = r.signingDomain ?? '?';
    const s = r.selector ?? '?';
    explain.push(text(`Signature d=${d}, s=${s}: the public key is looked up as TXT ${s}._domainkey.${d}.`, `签名 d=${d}，s=${s}：公钥在 TXT 记录 ${s}._domainkey.${d} 中查找。`));
    if (r.bodyHash && r.bodyHashExpecting) {
      explain.push(
        r.bodyHash === r.bodyHashExpecting
          ? text('The body hash (bh=) matches the body: the body was not changed on the way.', '正文哈希（bh=）与正文一致：正文在途中没有被改动。')
          : text('The body hash (bh=) does NOT match: the body was changed after it was signed.', '正文哈希（bh=）不一致：正文在签名之后被改动过。'),
      );
    }
    const comment = r.status.comment ? ` (${r.status.comment})` : '';
    if (r.status.result === 'pass') {
      explain.push(text(`The signature verifies with the published key: dkim=pass for ${d}.`, `签名能用公布的公钥验证：${d} 的 dkim=pass。`));
    } else if (r.status.result === 'fail') {
      explain.push(
        text(
          `The signature does not verify${comment}: the key in DNS is not the one that signed, or the message was altered. dkim=fail. Fix: publish the key of the signing server at ${s}._domainkey.${d}.`,
          `签名无法验证${comment}：DNS 里的公钥不是签名用的那把，或者邮件被改动过。dkim=fail。修正：在 ${s}._domainkey.${d} 发布签名服务器的公钥。`,
        ),
      );
    } else {
      explain.push(text(`dkim=${r.status.result}${comment}: ${word(r.status.result).en}. Check the record at ${s}._domainkey.${d}.`, `dkim=${r.status.result}${comment}：${word(r.status.result)['zh-CN']}。检查 ${s}._domainkey.${d} 的记录。`));
    }
  }
  const result = dkim.results.some((r) => r.status.result === 'pass') ? 'pass' : dkim.results[0]!.status.result;
  return { check: 'dkim', result, lookups, explain };
}

function spfStep(spf: SpfResult, input: AuthInput, lookups: LookupTrace[]): AuthStep {
  const r = spf.status.result;
  const explain: Text[] = [
    text(`The envelope sender is <${input.sender}>, so the SPF record of ${spf.domain} is looked up (TXT ${spf.domain}).`, `信封发件人是 <${input.sender}>，所以查询 ${spf.domain} 的 SPF 记录（TXT ${spf.domain}）。`),
    spf.rr ? text(`It says: "${spf.rr}".`, `记录内容："${spf.rr}"。`) : text(`${spf.domain} publishes no SPF record.`, `${spf.domain} 没有发布 SPF 记录。`),
  ];
  const comment = spf.status.comment ? ` (${spf.status.comment})` : '';
  if (r === 'pass') explain.push(text(`The client ${input.ip} is allowed by this record: spf=pass${comment}.`, `客户端 ${input.ip} 在记录允许的范围内：spf=pass${comment}。`));
  else if (r === 'fail')
    explain.push(
      text(
        `The client ${input.ip} matches none of the record's mechanisms, and the record ends in -all: spf=fail. Fix: list the sending server (e.g. "mx", "a" or "ip4:${input.ip}") before -all.`,
        `客户端 ${input.ip} 不匹配记录中的任何机制，而记录以 -all 结尾：spf=fail。修正：在 -all 之前列出发信服务器（例如 "mx"、"a" 或 "ip4:${input.ip}"）。`,
      ),
    );
  else explain.push(text(`spf=${r}: ${word(r).en}${comment}.`, `spf=${r}：${word(r)['zh-CN']}${comment}。`));
  return { check: 'spf', result: r, lookups, explain };
}

function dmarcStep(
  dmarc: DmarcResult | false,
  headerFrom: string | undefined,
  dkim: DkimVerification,
  spf: SpfResult,
  outcome: { disposition: Disposition; policy?: string; enforce: boolean; ip: string },
  lookups: LookupTrace[],
): AuthStep {
  const explain: Text[] = [];
  if (!dmarc || !headerFrom) {
    explain.push(text('The message has no single From: address, so DMARC cannot be evaluated: dmarc=none.', '邮件没有唯一的 From: 地址，无法进行 DMARC 评估：dmarc=none。'));
    return { check: 'dmarc', result: 'none', lookups, explain };
  }
  const domain = headerFrom.split('@').pop()!.toLowerCase();
  explain.push(text(`The From: address is ${headerFrom}, so the policy is looked up as TXT _dmarc.${domain}.`, `From: 地址是 ${headerFrom}，所以在 TXT _dmarc.${domain} 查找策略。`));
  if (dmarc.status.result === 'none') {
    explain.push(text(`${domain} publishes no DMARC record: dmarc=none, nothing is enforced.`, `${domain} 没有发布 DMARC 记录：dmarc=none，不执行任何策略。`));
    return { check: 'dmarc', result: 'none', lookups, explain };
  }
  if (dmarc.rr) explain.push(text(`It says: "${dmarc.rr}".`, `记录内容："${dmarc.rr}"。`));
  const spfAligned = dmarc.alignment?.spf.result;
  const dkimAligned = dmarc.alignment?.dkim.result;
  explain.push(
    spfAligned
      ? text(`SPF passed for ${spfAligned}, which is aligned with the From: domain.`, `SPF 对 ${spfAligned} 通过，并且与 From: 域名对齐。`)
      : spf.status.result === 'pass'
        ? text(`SPF passed, but for ${spf.domain}, which is not aligned with the From: domain ${domain}.`, `SPF 通过了，但针对的是 ${spf.domain}，与 From: 域名 ${domain} 不对齐。`)
        : text(`SPF did not pass (spf=${spf.status.result}), so it cannot count for DMARC.`, `SPF 没有通过（spf=${spf.status.result}），不能算作 DMARC 的依据。`),
  );
  const passing = dkim.results.filter((r) => r.status.result === 'pass').map((r) => r.signingDomain);
  explain.push(
    dkimAligned
      ? text(`DKIM passed for d=${dkimAligned}, which is aligned with the From: domain.`, `DKIM 对 d=${dkimAligned} 通过，并且与 From: 域名对齐。`)
      : passing.length > 0
        ? text(`DKIM passed for d=${passing.join(', ')}, which is not aligned with ${domain}.`, `DKIM 对 d=${passing.join('、')} 通过，但与 ${domain} 不对齐。`)
        : text('No DKIM signature passed, so DKIM cannot count for DMARC.', '没有通过的 DKIM 签名，不能算作 DMARC 的依据。'),
  );
  if (dmarc.status.result === 'pass') {
    explain.push(text('At least one aligned check passed: dmarc=pass. The message is delivered.', '至少一项对齐的检查通过：dmarc=pass。邮件正常投递。'));
  } else if (dmarc.status.result === 'fail') {
    explain.push(text(`Neither SPF nor DKIM passed aligned with ${domain}: dmarc=fail, and the domain's policy is p=${outcome.policy}.`, `SPF 和 DKIM 都没有在与 ${domain} 对齐的情况下通过：dmarc=fail，该域的策略是 p=${outcome.policy}。`));
    if (outcome.disposition === 'reject') explain.push(text('p=reject: the receiving server refuses the message with 550 and the sender gets a bounce.', 'p=reject：接收服务器以 550 拒收，发件人会收到退信。'));
    else if (outcome.disposition === 'quarantine') explain.push(text('p=quarantine: the message is delivered to the Junk folder.', 'p=quarantine：邮件被投递到垃圾邮件（Junk）文件夹。'));
    else if (!outcome.enforce && (outcome.policy === 'quarantine' || outcome.policy === 'reject'))
      explain.push(
        text(
          `The policy was not applied: the client ${outcome.ip} is your own machine, which this lab trusts like Postfix's mynetworks. Mail that another lab server relays has the policy applied.`,
          `策略没有执行：客户端 ${outcome.ip} 是你自己的机器，本实验像 Postfix 的 mynetworks 一样信任它。由另一台实验邮件服务器转发来的邮件会执行策略。`,
        ),
      );
    else explain.push(text('p=none: the message is delivered; the domain only asked for reports.', 'p=none：邮件照常投递；该域只要求报告。'));
  } else {
    explain.push(text(`dmarc=${dmarc.status.result}: ${word(dmarc.status.result).en}.`, `dmarc=${dmarc.status.result}：${word(dmarc.status.result)['zh-CN']}。`));
  }
  return { check: 'dmarc', result: dmarc.status.result, lookups, explain };
}
