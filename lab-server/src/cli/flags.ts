/**
 * What every command shares: the usage text, the error that prints it in English and Chinese
 * (exit code 2), and the readers of flag values that say what a good value looks like.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isPostgresUrl, openDatabase } from '../store/database.js';
import { DatabaseUnavailable, type Database } from '../store/sql.js';

export class UsageError extends Error {
  constructor(
    readonly en: string,
    readonly zh: string,
  ) {
    super(en);
  }
}

export const USAGE = `Usage / 用法:
  maillab serve [--data DIR] [--host ADDR] [--http-port N] [--port-offset N]
                [--smtp-port N] [--submission-port N] [--submissions-port N]
                [--pop3-port N] [--pop3s-port N] [--imap-port N] [--imaps-port N]
                [--smtp-otherdomain-port N]   mail.otherdomain.com's port 25 (default 26 + offset)
                [--dns-port N]   the lab DNS, UDP and TCP (default 53 + offset)
                [--tls-cert FILE --tls-key FILE]
                [--max-message-size BYTES] [--require-tls-auth]
                [--quota SIZE]   disk per sandbox: mail, queues, transcripts, logs (default 64M)
                [--quota-messages N]   messages per sandbox (default 10000)
                [--max-terminals N]   browser terminals one learner may open at once (default 8)
                [--mode single|classroom] [--public-url URL]
                [--metrics-token TOKEN]   lets a scraper on another machine read /metrics (classroom mode)
                [--trust-proxy ADDRS]   reverse proxies (IPs, CIDRs) whose X-Forwarded-For names the client
                [--database postgres://USER:PASSWORD@HOST/DB]   shared PostgreSQL (default: SQLite in DIR)
                [--node-id N --node-url URL [--mail-host NAME] [--node-down-after SECONDS]]
                    one node of several sharing --database (secret in MAILLAB_CLUSTER_SECRET)
  maillab instructor add NAME [--data DIR] [--database URL]   create an instructor (password from stdin, or generated)
  maillab instructor password NAME [--data DIR] [--database URL]   a new password for an instructor who forgot theirs
  maillab instructor rename "NAME" "NEW NAME" [--data DIR] [--database URL]   give an instructor another name
  maillab class create "NAME" [--data DIR] [--database URL] [--instructor NAME] [--public-url URL]
  maillab backup --to DIR [--data DIR] [--database URL]   copy a running lab safely (database, sandboxes, certificate)
  maillab node list [--database URL]           the nodes of a cluster: state, heartbeat, load
  maillab node drain N [--database URL]        move every sandbox off node N to the others
  MAILLAB_DATABASE_URL stands for --database when the flag is not given.
  maillab reset [--data DIR] [--sandbox ID]     restore a sandbox's mail, zones and queue / 把沙箱的邮件、区域和队列恢复到初始状态
  maillab users [--data DIR] [--sandbox ID]     list a sandbox's users / 列出沙箱中的用户
`;

/** A command's flags (and, where it takes them, its positional arguments); a bad one prints the usage. */
export function parseWith<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    const msg = (err as Error).message;
    throw new UsageError(`${msg}\n${USAGE}`, `参数有误：${msg}\n${USAGE}`);
  }
}

/** The flags of the classroom commands (instructor, class). */
const classroomOptions = {
  data: { type: 'string' },
  database: { type: 'string' },
  instructor: { type: 'string' },
  'public-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

/** A classroom command's flags and the name it is about (the words given, joined: `instructor add Ms Wang` needs no quotes). */
export function parseWithName(args: string[], what: string, zh: string): { name: string; positionals: string[]; values: Record<string, string | boolean | undefined> } {
  const parsed = parseWith(args, classroomOptions, true);
  const name = (parsed.positionals.join(' ') || '').trim();
  if (!name) throw new UsageError(`Give the ${what}'s name.\n${USAGE}`, `请给出${zh}的名字。`);
  return { name, positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> };
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  return parseWith(args, options).values;
}

export function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${flag} must be a whole number from ${min} to ${max}, not "${value}". Example: --${flag} ${Math.min(max, Math.max(min, 2000))}`,
      `--${flag} 必须是 ${min} 到 ${max} 之间的整数，而不是 "${value}"。例如：--${flag} ${Math.min(max, Math.max(min, 2000))}`,
    );
  }
  return n;
}

/** A size such as 64M, 1G, 500K or a number of bytes; at least 1 MB. */
export function size(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,10})([KMG]?)B?$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
  if (!m || bytes < 1024 * 1024 || bytes > 2 ** 50) {
    throw new UsageError(`--${flag} must be a size of at least 1M, such as 64M or 2G, not "${value}".`, `--${flag} 必须是不小于 1M 的大小，例如 64M 或 2G，而不是 "${value}"。`);
  }
  return bytes;
}

export function publicUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    // fall through to the message below
  }
  throw new UsageError(`--public-url must be an http(s) URL such as https://mail-lab.school.example/, not "${value}".`, `--public-url 必须是 http(s) 网址，例如 https://mail-lab.school.example/，而不是 "${value}"。`);
}

/** --database, else MAILLAB_DATABASE_URL, else nothing (SQLite in the data dir). */
export function databaseUrl(flag: unknown): string | undefined {
  const url = typeof flag === 'string' ? flag : process.env.MAILLAB_DATABASE_URL || undefined;
  if (url !== undefined && !isPostgresUrl(url)) {
    throw new UsageError(
      `--database must be a PostgreSQL URL such as postgres://maillab:PASSWORD@db.school.example/maillab, not "${url}". Leave it out to use SQLite in the data directory.`,
      `--database 必须是 PostgreSQL 网址，例如 postgres://maillab:密码@db.school.example/maillab，而不是 "${url}"。不指定时使用数据目录中的 SQLite。`,
    );
  }
  return url;
}

/** Opens the database a command names, with a clear message when PostgreSQL cannot be reached. */
export async function openStoreFor(values: { data?: unknown; database?: unknown }): Promise<Database> {
  const url = databaseUrl(values.database);
  try {
    return await openDatabase(String(values.data ?? './data'), url);
  } catch (err) {
    if (err instanceof DatabaseUnavailable) throw new UsageError(err.message, `无法连接 PostgreSQL：${err.message}`);
    throw err;
  }
}
