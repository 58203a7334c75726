/**
 * DKIM key records (RFC 6376 §3.6.1, key sizes RFC 8301): the record's name and tags are
 * checked, and then a message is really signed with the exercise's private key and verified
 * with mailauth against the learner's record, answered from the exercise's zone.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { error, ok, text, warn, type FeedbackLine, type Text } from '../feedback.js';
import { withDkimKeysRead } from './dkimKeyRead.js';
import { txtValue } from './zoneRecord.js';
import { bare, fqdn, type ZoneView } from './zoneView.js';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign: (message: Buffer, opts: unknown) => Promise<{ signatures: string; errors: unknown[] }>;
};
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify: (message: Buffer, opts: unknown) => Promise<{ results: Array<{ status: { result: string; comment?: string } }> }>;
};

export interface DkimParams {
  domain: string;
  selector: string;
  /** The exercise's private key (PEM): the grader signs with it. */
  privateKey: string;
}

export interface TagList {
  tags: Array<{ name: string; value: string }>;
  problems: Text[];
}

/**
 * RFC 6376 §3.2 tag=value list, also used for DMARC (RFC 7489 §6.4). Never throws. With
 * `emptyTags: 'refuse'` (DKIM) an empty tag between two ";" is a problem, as the grammar has it
 * and as dkimpy and OpenDKIM refuse the key ("key DNS reply corrupt"); OpenDMARC skips them.
 */
export function parseTagList(record: string, emptyTags: 'skip' | 'refuse' = 'skip'): TagList {
  const tags: TagList['tags'] = [];
  const problems: Text[] = [];
  const parts = record.split(';');
  for (const [j, part] of parts.entries()) {
    const trimmed = part.trim();
    if (trimmed === '') {
      // Only the last may be empty: a ";" may end the list.
      if (emptyTags === 'refuse' && j < parts.length - 1) problems.push(text('There is an empty tag: two ";" with nothing between them (or a ";" first). Verifiers refuse the whole key record.', '有一个空标签：两个 ";" 之间什么也没有（或者 ";" 在最前面）。验证方会拒绝整条密钥记录。'));
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      problems.push(text(`"${trimmed}" is not a tag=value pair.`, `"${trimmed}" 不是 tag=value 形式。`));
      continue;
    }
    const name = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(name)) {
      problems.push(text(`"${name}" is not a valid tag name.`, `"${name}" 不是合法的标签名。`));
      continue;
    }
    if (tags.some((t) => t.name === name)) {
      problems.push(text(`The tag "${name}" appears twice; a record with a duplicate tag is invalid.`, `标签 "${name}" 出现了两次；有重复标签的记录无效。`));
      continue;
    }
    tags.push({ name, value });
  }
  return { tags, problems };
}

/** Reads p= as a public key: SubjectPublicKeyInfo (what openssl prints) or a bare RSAPublicKey. */
export function readPublicKey(p: string): KeyObject | undefined {
  const compact = p.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  const der = Buffer.from(compact, 'base64');
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

const SAMPLE = [
  'From: Alice <alice@example.com>',
  'To: Bob <bob@example.com>',
  'Subject: DKIM check from the MailLab grader',
  'Date: Tue, 01 Sep 2026 08:00:00 +0000',
  'Message-ID: <dkim-check@mail.example.com>',
  '',
  'If this signature verifies, the published key matches the signing key.',
  '',
].join('\r\n');

export async function checkDkim(view: ZoneView, params: DkimParams): Promise<FeedbackLine[]> {
  const domain = fqdn(params.domain);
  const name = `${params.selector.toLowerCase()}._domainkey.${domain}`;
  const lines: FeedbackLine[] = [];
  const records = view.at(name, 'TXT');
  if (records.length === 0) {
    // A key record elsewhere: v=DKIM1, or a bare "k=...; p=..." — not the DMARC or SPF records, whose p= is a policy.
    const elsewhere = view.records.filter((r) => r.type === 'TXT' && /^\s*(v=DKIM1\b|(k=\w+\s*;\s*)?p=[A-Za-z0-9+/])/i.test(txtValue(r))).map((r) => r.name);
    lines.push(
      error(
        'dkim.missing',
        elsewhere.length > 0
          ? text(`There is no key record at ${bare(name)}; you published one at ${[...new Set(elsewhere)].map(bare).join(', ')}.`, `${name} 没有密钥记录；你把它发布在了 ${[...new Set(elsewhere)].map(bare).join('、')}。`)
          : text(`There is no TXT record at ${bare(name)}.`, `${name} 没有 TXT 记录。`),
        text(`A verifier looks the key up at <selector>._domainkey.<domain>: here "${name}" (or "${params.selector}._domainkey" relative to ${domain}).`, `验证方在 <selector>._domainkey.<域名> 查找公钥：这里是 "${name}"（相对 ${domain} 可写 "${params.selector}._domainkey"）。`),
      ),
    );
    return lines;
  }
  if (records.length > 1) {
    lines.push(error('dkim.multiple', text(`${bare(name)} has ${records.length} TXT records; a verifier reads only one and may pick the wrong one.`, `${bare(name)} 有 ${records.length} 条 TXT 记录；验证方只读一条，可能读错。`), text('Keep exactly one key record per selector.', '每个 selector 只保留一条密钥记录。')));
    return lines;
  }
  const value = txtValue(records[0]!);
  const parsed = parseTagList(value, 'refuse');
  for (const p of parsed.problems) lines.push(error('dkim.syntax', text(`Line ${records[0]!.line}: ${p.en}`, `第 ${records[0]!.line} 行：${p['zh-CN']}`), text('Write the record as tag=value pairs separated by ";", e.g. "v=DKIM1; k=rsa; p=MIIB...".', '记录由用 ";" 分隔的 tag=value 组成，例如 "v=DKIM1; k=rsa; p=MIIB..."。')));
  const tag = (n: string): string | undefined => parsed.tags.find((t) => t.name === n)?.value;

  const v = tag('v');
  if (v === undefined) {
    lines.push(warn('dkim.no-version', text('The record has no v=DKIM1 tag. It is optional, but recommended.', '记录没有 v=DKIM1 标签。它是可选的，但推荐写上。'), text('Start the record with "v=DKIM1;".', '在记录开头写 "v=DKIM1;"。')));
  } else if (v !== 'DKIM1' || parsed.tags[0]?.name !== 'v') {
    lines.push(error('dkim.version', text(v !== 'DKIM1' ? `v=${v} is not a DKIM key record version; verifiers ignore the record.` : 'v=DKIM1 must be the first tag of the record (RFC 6376 §3.6.1).', v !== 'DKIM1' ? `v=${v} 不是 DKIM 密钥记录的版本；验证方会忽略这条记录。` : 'v=DKIM1 必须是记录的第一个标签（RFC 6376 §3.6.1）。'), text('Begin the record with exactly "v=DKIM1;".', '记录必须以 "v=DKIM1;" 开头。')));
  }
  const h = tag('h');
  if (h !== undefined && !h.split(':').map((x) => x.trim().toLowerCase()).includes('sha256')) {
    lines.push(error('dkim.hash', text(`h=${h} does not allow sha256; since RFC 8301 verifiers reject sha1 signatures.`, `h=${h} 不允许 sha256；RFC 8301 之后验证方拒绝 sha1 签名。`), text('Remove h= (all hashes allowed) or write h=sha256.', '删掉 h=（允许所有哈希），或者写 h=sha256。')));
  }
  const t = tag('t');
  if (t !== undefined && t.split(':').map((x) => x.trim()).includes('y')) {
    lines.push(warn('dkim.testing', text('t=y marks the key as "testing": verifiers may treat failures as if the mail were unsigned.', 't=y 表示"测试中"：验证方可能把验证失败当作没有签名。'), text('Remove t=y once signing works.', '签名正常后删掉 t=y。')));
  }
  const s = tag('s');
  if (s !== undefined && !s.split(':').map((x) => x.trim()).some((x) => x === '*' || x === 'email')) {
    lines.push(error('dkim.service', text(`s=${s} does not include "email", so the key may not be used for mail.`, `s=${s} 不包含 "email"，这个密钥不能用于邮件。`), text('Remove s= or write s=email.', '删掉 s=，或写 s=email。')));
  }

  const p = tag('p');
  if (p === undefined) {
    lines.push(
      error(
        'dkim.no-key',
        text('The record has no p= tag, so it carries no public key.', '记录里没有 p= 标签，因此没有公钥。'),
        text('Add p= with the key from the exercise. If you wrote the record without quotes, the first ";" began a comment and cut off the rest: put the whole value in double quotes.', '加上 p= 和题目给出的公钥。如果你没有用引号，第一个 ";" 会开始注释，截掉后面所有内容：请把整个值放进双引号。'),
      ),
    );
    return lines;
  }
  if (p.replace(/\s+/g, '') === '') {
    lines.push(error('dkim.revoked', text('p= is empty, which means "this key has been revoked": every signature fails.', 'p= 为空表示"密钥已吊销"：所有签名都会验证失败。'), text('Put the public key from the exercise after p=.', '在 p= 后面填上题目给出的公钥。')));
    return lines;
  }
  const key = readPublicKey(p);
  if (!key) {
    lines.push(error('dkim.bad-key', text('p= is not a valid public key (base64 of the DER key).', 'p= 不是合法的公钥（DER 格式密钥的 base64）。'), text('Copy the key again without the "-----BEGIN PUBLIC KEY-----" lines; one missing or extra character breaks it. Long keys may be split into several quoted strings.', '重新复制公钥，不要包含 "-----BEGIN PUBLIC KEY-----" 这样的行；多一个或少一个字符都会出错。长密钥可以拆成几个带引号的字符串。')));
    return lines;
  }
  const k = tag('k') ?? 'rsa';
  // Tag values are case-sensitive (RFC 6376 §3.2): dkimpy takes k=RSA for an unknown key type.
  if (key.asymmetricKeyType !== 'rsa' || k !== 'rsa') {
    const rsaKey = key.asymmetricKeyType === 'rsa';
    lines.push(error('dkim.key-type', rsaKey ? text(`k=${k} is no key type verifiers know: tag values are case-sensitive, so only k=rsa means RSA.`, `k=${k} 不是验证方认识的密钥类型：标签值区分大小写，只有 k=rsa 表示 RSA。`) : text(`k=${k} but the key is ${key.asymmetricKeyType ?? 'of an unknown type'}; this exercise uses an RSA key.`, `k=${k}，但公钥类型是 ${key.asymmetricKeyType ?? '未知'}；本题使用 RSA 密钥。`), text('Write k=rsa (or leave k= out: rsa is the default).', '写 k=rsa（或省略 k=：默认就是 rsa）。')));
    return lines;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) {
    lines.push(error('dkim.short-key', text(`The key has only ${bits} bits; verifiers must not accept RSA keys shorter than 1024 bits (RFC 8301 §3.2).`, `公钥只有 ${bits} 位；验证方不得接受短于 1024 位的 RSA 密钥（RFC 8301 §3.2）。`), text('Generate a 2048-bit key (opendkim-genkey -b 2048) and publish that.', '生成 2048 位的密钥（opendkim-genkey -b 2048）并发布它。')));
    return lines;
  }
  if (bits < 2048) {
    lines.push(warn('dkim.weak-key', text(`The key has ${bits} bits: accepted, but signers should use at least 2048 (RFC 8301 §3.2).`, `公钥有 ${bits} 位：可以接受，但签名方应使用至少 2048 位（RFC 8301 §3.2）。`), text('Move to a 2048-bit key when you rotate keys.', '轮换密钥时换成 2048 位。')));
  } else {
    lines.push(ok('dkim.key', `p= holds a valid ${bits}-bit RSA public key.`, `p= 是合法的 ${bits} 位 RSA 公钥。`));
  }

  // The real test: sign as the mail server would, verify as a receiver would.
  const signed = await dkimSign(Buffer.from(SAMPLE), {
    canonicalization: 'relaxed/relaxed',
    algorithm: 'rsa-sha256',
    // One t= for the signed header and the returned one (see mta/dkimSign.ts).
    signTime: new Date(),
    signatureData: [{ signingDomain: bare(domain), selector: params.selector, privateKey: params.privateKey }],
  });
  const message = Buffer.concat([Buffer.from(signed.signatures), Buffer.from(SAMPLE)]);
  const verified = await dkimVerify(message, { resolver: withDkimKeysRead(view.resolver()), minBitLength: 1024 });
  const status = verified.results[0]?.status;
  if (status?.result === 'pass') {
    lines.push(ok('dkim.verify', `A message signed by ${bare(domain)} with selector "${params.selector}" verifies against your record.`, `用 selector "${params.selector}" 为 ${bare(domain)} 签名的邮件能用你的记录验证通过。`));
  } else {
    lines.push(
      error(
        'dkim.verify',
        text(`A message signed with the exercise's private key does NOT verify against your record (${status?.result ?? 'no result'}${status?.comment ? `: ${status.comment}` : ''}): the key you published is not the one that signs.`, `用题目私钥签名的邮件无法用你的记录验证（${status?.result ?? '无结果'}${status?.comment ? `：${status.comment}` : ''}）：你发布的不是签名用的那把公钥。`),
        text('Copy the public key from the exercise exactly, all of it, into p=.', '把题目给出的公钥原样、完整地复制到 p= 后面。'),
      ),
    );
  }
  return lines;
}
