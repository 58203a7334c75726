/**
 * Postfix main.cf as the graders load it (the exercise's lines, then the learner's), and the
 * virtual mailbox grader: domains, base, map and delivery checked for what Postfix will do with
 * them. The relay grader is relay.ts.
 */
import { error, ok, text, warn, type FeedbackLine } from '../feedback.js';
import { classConflicts } from './addressClasses.js';
import { MainCf, parseMainCf } from './mainCf.js';
import { badValues } from './mainCfValues.js';
import { normPath, sameTable, tableParts, unopenable } from './mainCfTables.js';
import { undefinedReferences } from './mainCfUndefined.js';
import { unknownRestrictions } from './restrictions.js';

/** Parses the exercise's given lines and the learner's, the learner's read last (they win). */
export function loadMainCf(answer: string, given?: string): { cf: MainCf; feedback: FeedbackLine[] } {
  const mine = parseMainCf(answer);
  const base = given ? parseMainCf(given) : undefined;
  const cf = new MainCf([...(base?.entries ?? []).map((e) => ({ ...e, line: 0 })), ...mine.entries], mine.problems);
  const feedback = mine.problems.map((p) =>
    p.level === 'error'
      ? error('postfix.syntax', text(`Line ${p.line}: ${p.message.en}`, `第 ${p.line} 行：${p.message['zh-CN']}`), text('Each setting is "name = value" on a line of its own; continue a long value on lines that start with a space.', '每个设置独占一行，写成 "名字 = 值"；过长的值可以在下一行以空格开头续写。'))
      : warn('postfix.notice', text(`Line ${p.line}: ${p.message.en}`, `第 ${p.line} 行：${p.message['zh-CN']}`), text('Correct or remove the line; "postconf -n" lists the settings Postfix really uses.', '修改或删除这一行；"postconf -n" 会列出 Postfix 实际使用的设置。')),
  );
  if (mine.entries.length === 0 && mine.problems.length === 0) {
    feedback.push(error('postfix.empty', text('The answer sets no parameters.', '答案里没有设置任何参数。'), text('Write main.cf lines such as "virtual_mailbox_domains = example.com".', '写出 main.cf 的配置行，例如 "virtual_mailbox_domains = example.com"。')));
  }
  feedback.push(...undefinedReferences(cf), ...badValues(cf), ...unknownRestrictions(cf));
  return { cf, feedback };
}

export interface VirtualParams {
  domains: string[];
  base: string;
  maps: string;
  given?: string;
  /** Delivery by virtual(8) as this user and group (the vmail account); unchecked when absent. */
  uid?: number;
  gid?: number;
}

export async function gradePostfixVirtual(answer: string, p: VirtualParams): Promise<FeedbackLine[]> {
  const { cf, feedback } = loadMainCf(answer, p.given);
  const lines = [...feedback];
  if (lines.some((l) => l.code === 'postfix.empty')) return lines;
  const wanted = p.domains.map((d) => d.toLowerCase());

  if (!cf.isSet('virtual_mailbox_domains')) {
    lines.push(error('postfix.vdomains-unset', text('virtual_mailbox_domains is not set, so Postfix does not know which domains have virtual mailboxes.', '没有设置 virtual_mailbox_domains，Postfix 不知道哪些域名使用虚拟邮箱。'), text(`Add "virtual_mailbox_domains = ${wanted.join(', ')}".`, `添加 "virtual_mailbox_domains = ${wanted.join(', ')}"。`)));
  } else {
    const domains = cf.list('virtual_mailbox_domains').map((d) => d.toLowerCase());
    if (domains.some((d) => d.includes(':') || d.startsWith('/'))) {
      lines.push(error('postfix.vdomains-table', text('virtual_mailbox_domains points at a lookup table, whose contents the grader cannot see.', 'virtual_mailbox_domains 指向了一个查找表，评分程序看不到表里的内容。'), text(`For this exercise list the domains directly: "virtual_mailbox_domains = ${wanted.join(', ')}".`, `本题请直接列出域名："virtual_mailbox_domains = ${wanted.join(', ')}"。`)));
    } else {
      const missing = wanted.filter((d) => !domains.includes(d));
      const extra = domains.filter((d) => !wanted.includes(d));
      if (missing.length) lines.push(error('postfix.vdomains-missing', text(`virtual_mailbox_domains does not include ${missing.join(', ')}: Postfix would reject mail for ${missing.length > 1 ? 'them' : 'it'} with "Relay access denied".`, `virtual_mailbox_domains 不包含 ${missing.join('、')}：Postfix 会以 "Relay access denied" 拒收发往这些域名的邮件。`), text(`List every domain: "virtual_mailbox_domains = ${wanted.join(', ')}" (commas or spaces both work).`, `列出所有域名："virtual_mailbox_domains = ${wanted.join(', ')}"（逗号或空格分隔都可以）。`)));
      // A "# comment" after the list makes each of its words a domain this server claims to host.
      const comment = extra.includes('#');
      if (extra.length) lines.push(error('postfix.vdomains-extra', text(`virtual_mailbox_domains also lists ${extra.join(', ')}, which the exercise does not ask for${comment ? ': a "# comment" after a value is part of it, and Postfix takes each word for a domain it hosts' : ''}.`, `virtual_mailbox_domains 还列出了题目没有要求的 ${extra.join('、')}${comment ? '：值后面的 "# 注释" 也是值的一部分，Postfix 会把每个词都当作自己托管的域名' : ''}。`), comment ? text('Put the comment on a line of its own, above the setting.', '把注释单独写成一行，放在这个设置上面。') : text('Keep only the domains asked for.', '只保留题目要求的域名。')));
      if (!missing.length && !extra.length) lines.push(ok('postfix.vdomains', `virtual_mailbox_domains = ${domains.join(', ')}.`, `virtual_mailbox_domains = ${domains.join(', ')}。`));
    }
  }

  lines.push(...classConflicts(cf));

  const base = cf.expand('virtual_mailbox_base');
  if (!cf.isSet('virtual_mailbox_base')) {
    lines.push(error('postfix.vbase-unset', text('virtual_mailbox_base is not set, so the paths in the mailbox map have nothing to be relative to.', '没有设置 virtual_mailbox_base，邮箱映射表里的路径没有基准目录。'), text(`Add "virtual_mailbox_base = ${p.base}".`, `添加 "virtual_mailbox_base = ${p.base}"。`)));
  } else if (!base.startsWith('/')) {
    lines.push(error('postfix.vbase', text(`virtual_mailbox_base = ${base} is not an absolute path.`, `virtual_mailbox_base = ${base} 不是绝对路径。`), text(`Write "virtual_mailbox_base = ${p.base}".`, `写 "virtual_mailbox_base = ${p.base}"。`)));
  } else if (normPath(base) !== normPath(p.base)) {
    lines.push(error('postfix.vbase', text(`virtual_mailbox_base is ${base}, but the mail is to be stored under ${p.base}.`, `virtual_mailbox_base 是 ${base}，但邮件应存放在 ${p.base} 下。`), text(`Write "virtual_mailbox_base = ${p.base}".`, `写 "virtual_mailbox_base = ${p.base}"。`)));
  } else {
    lines.push(ok('postfix.vbase', `virtual_mailbox_base = ${base}.`, `virtual_mailbox_base = ${base}。`));
  }

  const [wantType, ...rest] = p.maps.split(':');
  const wantPath = rest.join(':');
  const maps = cf.list('virtual_mailbox_maps');
  if (!cf.isSet('virtual_mailbox_maps') || maps.length === 0) {
    // Set to nothing (",") or to a value that expands to nothing ("$nosuch"), it is as good as unset.
    const set = cf.isSet('virtual_mailbox_maps') ? emptyMaps(cf.raw('virtual_mailbox_maps')) : undefined;
    lines.push(error('postfix.vmaps-unset', text(`${set?.en ?? 'virtual_mailbox_maps is not set'}, so Postfix cannot tell which addresses have a mailbox (and where).`, `${set?.zh ?? '没有设置 virtual_mailbox_maps'}，Postfix 不知道哪些地址有邮箱（以及在哪里）。`), text(`${set ? 'Write' : 'Add'} "virtual_mailbox_maps = ${p.maps}".`, `${set ? '写' : '添加'} "virtual_mailbox_maps = ${p.maps}"。`)));
  } else {
    // The table naming the wanted file, read through proxymap or not (or with no type at all).
    const match = maps.find((m) => tableParts(m).path === normPath(wantPath));
    if (!match) {
      lines.push(error('postfix.vmaps', text(`virtual_mailbox_maps is ${maps.join(', ')}, not the table ${p.maps}.`, `virtual_mailbox_maps 是 ${maps.join('、')}，不是 ${p.maps} 这张表。`), text(`Write "virtual_mailbox_maps = ${p.maps}".`, `写 "virtual_mailbox_maps = ${p.maps}"。`)));
    } else if (!match.includes(':') || match.startsWith('/')) {
      // Said better here, with the table to write, than by the general postfix.bad-table line.
      const general = lines.findIndex(badMapsList);
      if (general >= 0) lines.splice(general, 1);
      lines.push(error('postfix.vmaps-no-type', text(`"${match}" has no table type: Postfix lookup tables are written type:name.`, `"${match}" 没有写表类型：Postfix 的查找表要写成 类型:名字。`), text(`Write "${p.maps}" (and build it with "postmap ${wantPath}").`, `写 "${p.maps}"（并用 "postmap ${wantPath}" 生成它）。`)));
    } else if (!sameTable(match, p.maps)) {
      // A type this Postfix lacks is postfix.bad-table's error already.
      const { type } = tableParts(match);
      if (!unopenable(match)) lines.push(error('postfix.vmaps-type', text(`${match} names the table's file, but as a ${type}: table: postmap built it as ${wantType}: (${wantPath}.db), so smtpd finds no ${type} database there and answers every address "451 4.3.0 Temporary lookup failure".`, `${match} 指向了这张表的文件，但类型是 ${type}:：postmap 生成的是 ${wantType}: 表（${wantPath}.db），smtpd 找不到 ${type} 数据库，对每个地址都回答 "451 4.3.0 Temporary lookup failure"。`), text(`Write "${p.maps}".`, `写 "${p.maps}"。`)));
    } else if (!lines.some(badMapsList)) {
      // Beside a word Postfix cannot open (a "# comment"), the table is not a ✓: that line's ✗ is the verdict.
      lines.push(ok('postfix.vmaps', `virtual_mailbox_maps = ${match} (build it with "postmap ${wantPath}").`, `virtual_mailbox_maps = ${match}（用 "postmap ${wantPath}" 生成）。`));
    }
  }
  if (p.uid !== undefined) lines.push(...checkVirtualDelivery(cf, p.uid, p.gid ?? p.uid));
  return lines;
}

/** Says a virtual_mailbox_maps that is set yet holds no table: empty as written, or once its $names are expanded. */
function emptyMaps(raw: string): { en: string; zh: string } {
  const quoted = raw.trim() ? `"virtual_mailbox_maps = ${raw.trim()}"` : '"virtual_mailbox_maps ="';
  return raw.replaceAll('$$', '').includes('$') ? { en: `${quoted} is empty once its $names are expanded`, zh: `${quoted} 展开 $名字 之后是空的` } : { en: `${quoted} is empty`, zh: `${quoted} 是空的` };
}

/** The general line on virtual_mailbox_maps holding a word Postfix cannot open as a table. */
function badMapsList(line: FeedbackLine): boolean {
  return line.code === 'postfix.bad-table' && line.message.en.startsWith('virtual_mailbox_maps =');
}

/** virtual(8) delivers as a fixed user and group; without them every message is deferred. */
function checkVirtualDelivery(cf: MainCf, uid: number, gid: number): FeedbackLine[] {
  const transport = cf.expand('virtual_transport');
  if (transport !== 'virtual') {
    return [error('postfix.vtransport', text(`virtual_transport = ${transport}: this exercise has Postfix's own virtual(8) agent write the Maildirs, not ${transport.split(':')[0]}.`, `virtual_transport = ${transport}：本题由 Postfix 自带的 virtual(8) 写入 Maildir，而不是 ${transport.split(':')[0]}。`), text('Remove virtual_transport (its default is virtual), or write "virtual_transport = virtual".', '删掉 virtual_transport（默认就是 virtual），或写 "virtual_transport = virtual"。'))];
  }
  const lines: FeedbackLine[] = [];
  const minimum = Number(cf.expand('virtual_minimum_uid')) || 100;
  for (const [param, wanted, what, whatZh] of [['virtual_uid_maps', uid, 'user', '用户'], ['virtual_gid_maps', gid, 'group', '组']] as const) {
    const value = cf.expand(param).trim();
    const m = /^static:(\d+)$/.exec(value);
    if (value === '') {
      lines.push(error(`postfix.${param === 'virtual_uid_maps' ? 'vuid' : 'vgid'}-unset`, text(`${param} is not set: virtual(8) does not know which ${what} owns the mailboxes, and defers every message ("recipient ... has no ${param === 'virtual_uid_maps' ? 'uid' : 'gid'}").`, `没有设置 ${param}：virtual(8) 不知道邮箱属于哪个${whatZh}，每封邮件都会被推迟（"recipient ... has no ${param === 'virtual_uid_maps' ? 'uid' : 'gid'}"）。`), text(`Add "${param} = static:${wanted}" (the vmail ${what}).`, `添加 "${param} = static:${wanted}"（vmail ${whatZh}）。`)));
    } else if (!m) {
      lines.push(error(`postfix.${param === 'virtual_uid_maps' ? 'vuid' : 'vgid'}`, text(`${param} = ${value}: the grader can only read a fixed static:<number> here.`, `${param} = ${value}：这里评分程序只能读取固定的 static:<数字>。`), text(`Write "${param} = static:${wanted}".`, `写 "${param} = static:${wanted}"。`)));
    } else if (Number(m[1]) !== wanted) {
      lines.push(error(`postfix.${param === 'virtual_uid_maps' ? 'vuid' : 'vgid'}`, text(`${param} = ${value}, but the mailboxes belong to the vmail ${what}, ${wanted}: Dovecot, running as ${wanted}, could not read mail written as ${m[1]}.`, `${param} = ${value}，但邮箱属于 vmail ${whatZh}（${wanted}）：以 ${wanted} 运行的 Dovecot 读不了以 ${m[1]} 写入的邮件。`), text(`Write "${param} = static:${wanted}".`, `写 "${param} = static:${wanted}"。`)));
    } else if (param === 'virtual_uid_maps' && wanted < minimum) {
      lines.push(error('postfix.vuid-minimum', text(`uid ${wanted} is below virtual_minimum_uid (${minimum}): virtual(8) refuses to deliver as it.`, `uid ${wanted} 小于 virtual_minimum_uid（${minimum}）：virtual(8) 拒绝以它投递。`), text(`Use the vmail user's uid, ${wanted}, and leave virtual_minimum_uid at its default.`, `使用 vmail 用户的 uid ${wanted}，virtual_minimum_uid 保持默认值。`)));
    }
  }
  if (lines.length === 0) lines.push(ok('postfix.vowner', `virtual(8) delivers as uid ${uid}, gid ${gid}.`, `virtual(8) 以 uid ${uid}、gid ${gid} 投递。`));
  return lines;
}

