/**
 * A DKIM signer: OpenDKIM's opendkim.conf, KeyTable and SigningTable, and Postfix's milter
 * settings. Graded by following what OpenDKIM does for mail from alice@example.com — the
 * SigningTable names a key, the KeyTable gives its domain, selector and key file — and then
 * really signing a message with that key as that domain and selector and verifying it
 * against the exercise's DNS zone, as a receiver would.
 */
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import { checkDkim } from '../dns/dkim.js';
import { loadExerciseZone } from '../dns/zoneView.js';
import { fileText, missingFiles, splitFiles } from './files.js';
import { loadMainCf } from './postfix.js';

export interface DkimSignerParams {
  given?: string;
  /** The exercise's zone text (with the published key) and its origin. */
  zone: string;
  origin: string;
  sender: string;
  keyFile: string;
  privateKey: string;
  keyTable: string;
  signingTable: string;
}

/** opendkim.conf: "Name value" lines, names case-insensitive, # comments. */
function readConf(source: string): Map<string, string> {
  const conf = new Map<string, string>();
  for (const line of source.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(line.replace(/#.*$/, ''));
    if (m) conf.set(m[1]!.toLowerCase(), m[2]!);
  }
  return conf;
}

/** A table reference: "refile:/path", "file:/path" or a bare path (file:). */
function tableRef(value: string | undefined): { type: string; path: string } | undefined {
  if (!value) return undefined;
  const m = /^(refile|file|csl):(.*)$/.exec(value);
  return m ? { type: m[1]!, path: m[2]! } : { type: 'file', path: value };
}

function rows(source: string): Array<[string, string]> {
  return source
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const [k, ...v] = l.split(/\s+/);
      return [k!, v.join(' ')];
    });
}

/**
 * True when `text` matches a refile: pattern, where "*" stands for any characters (case does
 * not matter). Matched by walking both strings, going back only to the last "*": a regular
 * expression with a ".*" per star backtracks exponentially, and "********************X" held
 * the lab's event loop for minutes.
 */
export function globMatches(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let [i, j, star, resume] = [0, 0, -1, 0];
  while (j < t.length) {
    if (i < p.length && p[i] !== '*' && p[i] === t[j]) [i, j] = [i + 1, j + 1];
    else if (i < p.length && p[i] === '*') [star, resume, i] = [i, j, i + 1];
    else if (star >= 0) [i, resume, j] = [star + 1, resume + 1, resume + 1];
    else return false;
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
}

/** The key name the SigningTable gives an address: refile: matches patterns with *, file: looks up the address, then its domain. */
function signingKey(table: Array<[string, string]>, type: string, address: string): string | undefined {
  if (type === 'refile') return table.find(([pattern]) => globMatches(pattern, address))?.[1];
  const domain = address.slice(address.indexOf('@') + 1);
  return (table.find(([k]) => k.toLowerCase() === address.toLowerCase()) ?? table.find(([k]) => k.toLowerCase() === domain.toLowerCase()))?.[1];
}

/** "inet:8891@localhost" (OpenDKIM) and "inet:localhost:8891" (Postfix) name the same socket. */
function sameSocket(opendkim: string, postfix: string): boolean {
  const o = /^inet6?:(\d+)(?:@(.+))?$/.exec(opendkim);
  const p = /^inet:(.+):(\d+)$/.exec(postfix);
  if (o && p) {
    const local = (h: string | undefined): boolean => !h || ['localhost', '127.0.0.1', '[127.0.0.1]'].includes(h);
    return o[1] === p[2] && local(o[2]) && local(p[1]);
  }
  const ol = /^(?:local|unix):(.+)$/.exec(opendkim);
  const pl = /^unix:(.+)$/.exec(postfix);
  return !!ol && !!pl && ol[1] === pl[1];
}

export async function gradeDkimSigner(answer: string, p: DkimSignerParams): Promise<FeedbackLine[]> {
  const files = splitFiles(answer);
  const lines = missingFiles(files, [
    { endings: ['opendkim.conf'], name: '/etc/opendkim.conf' },
    { endings: [p.keyTable], name: p.keyTable },
    { endings: [p.signingTable], name: p.signingTable },
    { endings: ['main.cf'], name: '/etc/postfix/main.cf' },
  ]);
  if (lines.length) return lines;
  const conf = readConf(fileText(files, ['opendkim.conf'])!);
  const { cf, feedback } = loadMainCf(fileText(files, ['main.cf'])!, p.given);
  lines.push(...feedback.filter((f) => f.code !== 'postfix.empty'));

  if (!(conf.get('mode') ?? 'sv').includes('s')) {
    lines.push(error('dkim.mode', text(`Mode ${conf.get('mode')} only verifies: OpenDKIM never signs.`, `Mode ${conf.get('mode')} 只做验证：OpenDKIM 从不签名。`), text('Write "Mode sv" (sign outgoing, verify incoming).', '写 "Mode sv"（对外发邮件签名，对收到的邮件验证）。')));
  }
  const keyRef = tableRef(conf.get('keytable'));
  const signRef = tableRef(conf.get('signingtable'));
  if (!keyRef || keyRef.path !== p.keyTable) {
    lines.push(error('dkim.keytable-path', text(`KeyTable is ${conf.get('keytable') ?? 'not set'}, not the file ${p.keyTable}.`, `KeyTable 是 ${conf.get('keytable') ?? '未设置'}，而不是文件 ${p.keyTable}。`), text(`Write "KeyTable file:${p.keyTable}".`, `写 "KeyTable file:${p.keyTable}"。`)));
  }
  if (!signRef || signRef.path !== p.signingTable) {
    lines.push(error('dkim.signingtable-path', text(`SigningTable is ${conf.get('signingtable') ?? 'not set'}, not the file ${p.signingTable}.`, `SigningTable 是 ${conf.get('signingtable') ?? '未设置'}，而不是文件 ${p.signingTable}。`), text(`Write "SigningTable refile:${p.signingTable}" (refile: lets the table use patterns such as *@example.com).`, `写 "SigningTable refile:${p.signingTable}"（refile: 允许表里使用 *@example.com 这样的模式）。`)));
  }
  if (lines.some((l) => l.level === 'error')) return lines;

  const keyName = signingKey(rows(fileText(files, [p.signingTable])!), signRef!.type, p.sender);
  if (!keyName) {
    const patterns = signRef!.type !== 'refile' && rows(fileText(files, [p.signingTable])!).some(([k]) => k.includes('*'));
    lines.push(error('dkim.no-signing-match', text(`The SigningTable has no entry for ${p.sender}, so its mail leaves unsigned${patterns ? ': a "*" pattern only works in a table read as refile:' : ''}.`, `SigningTable 里没有 ${p.sender} 的条目，它的邮件发出时没有签名${patterns ? '：只有以 refile: 读取的表才支持 "*" 模式' : ''}。`), text(patterns ? `Write "SigningTable refile:${p.signingTable}".` : `Add "*@${p.sender.split('@')[1]} <key name>" and read the table as refile:.`, patterns ? `写 "SigningTable refile:${p.signingTable}"。` : `添加 "*@${p.sender.split('@')[1]} <密钥名>"，并以 refile: 读取这个表。`)));
    return lines;
  }
  const entry = rows(fileText(files, [p.keyTable])!).find(([k]) => k === keyName);
  if (!entry) {
    lines.push(error('dkim.no-key-entry', text(`The SigningTable picks the key "${keyName}", but the KeyTable has no line for it.`, `SigningTable 选中了密钥 "${keyName}"，但 KeyTable 里没有这一行。`), text(`Add "${keyName} <domain>:<selector>:<key file>" to the KeyTable.`, `在 KeyTable 里添加 "${keyName} <域名>:<selector>:<密钥文件>"。`)));
    return lines;
  }
  const [domain, selector, keyFile] = entry[1].split(':');
  if (keyFile !== p.keyFile) {
    lines.push(error('dkim.key-path', text(`The key "${keyName}" reads ${keyFile ?? 'no file'}, but the private key is ${p.keyFile}.`, `密钥 "${keyName}" 读取的是 ${keyFile ?? '（没有文件）'}，但私钥是 ${p.keyFile}。`), text(`Write "${keyName} ${domain}:${selector}:${p.keyFile}".`, `写 "${keyName} ${domain}:${selector}:${p.keyFile}"。`)));
    return lines;
  }
  // The real test: sign as that domain and selector with that key, verify as a receiver would.
  const zone = loadExerciseZone(p.zone, p.origin);
  const verified = await checkDkim(zone.view, { domain: domain ?? '', selector: selector ?? '', privateKey: p.privateKey });
  const verdict = verified.find((l) => l.code === 'dkim.verify' || l.level === 'error');
  if (verdict?.level === 'error') {
    lines.push(error('dkim.signer-verify', text(`Signed as d=${domain}, s=${selector}, a message does not verify against DNS: ${verdict.message.en}`, `以 d=${domain}、s=${selector} 签名的邮件无法用 DNS 验证：${verdict.message['zh-CN']}`), text('The domain and selector in the KeyTable must be those of the published key record (<selector>._domainkey.<domain>).', 'KeyTable 里的域名和 selector 必须与已发布的密钥记录（<selector>._domainkey.<域名>）一致。')));
  } else {
    lines.push(ok('dkim.signer', `Mail from ${p.sender} is signed as d=${domain}, s=${selector} and verifies against ${selector}._domainkey.${domain}.`, `来自 ${p.sender} 的邮件以 d=${domain}、s=${selector} 签名，并能用 ${selector}._domainkey.${domain} 验证。`));
  }

  const socket = conf.get('socket') ?? '';
  const milters = cf.list('smtpd_milters');
  if (!milters.some((m) => sameSocket(socket, m))) {
    lines.push(error('dkim.socket', text(`OpenDKIM listens on "${socket || '(no Socket)'}", but smtpd_milters is "${milters.join(', ') || '(empty)'}": Postfix never hands it a message.`, `OpenDKIM 监听的是 "${socket || '（没有 Socket）'}"，但 smtpd_milters 是 "${milters.join('、') || '（空）'}"：Postfix 根本不会把邮件交给它。`), text('Socket inet:8891@localhost in opendkim.conf and smtpd_milters = inet:localhost:8891 in main.cf.', 'opendkim.conf 里写 Socket inet:8891@localhost，main.cf 里写 smtpd_milters = inet:localhost:8891。')));
  }
  if (!cf.list('non_smtpd_milters').some((m) => sameSocket(socket, m))) {
    lines.push(error('dkim.non-smtpd', text('non_smtpd_milters does not name OpenDKIM: mail submitted with the sendmail command (cron jobs, web applications) leaves unsigned.', 'non_smtpd_milters 没有指向 OpenDKIM：用 sendmail 命令提交的邮件（定时任务、网站程序）发出时没有签名。'), text('Write "non_smtpd_milters = $smtpd_milters".', '写 "non_smtpd_milters = $smtpd_milters"。')));
  }
  // Postfix reads the action in any case ("Accept" lets mail through with OpenDKIM stopped, asked of a real one).
  if (cf.expand('milter_default_action').toLowerCase() !== 'accept') {
    lines.push(error('dkim.default-action', text(`milter_default_action is "${cf.expand('milter_default_action') || 'tempfail'}": while OpenDKIM is down or restarting, every message is refused with a temporary error.`, `milter_default_action 是 "${cf.expand('milter_default_action') || 'tempfail'}"：OpenDKIM 停止或重启期间，每封邮件都会被临时拒收。`), text('Write "milter_default_action = accept": unsigned is better than not at all.', '写 "milter_default_action = accept"：没有签名总比发不出去好。')));
  }
  return lines;
}
