/**
 * `maillab serve`: flags -> typed config -> a running lab, with the table of its ports, until
 * SIGINT or SIGTERM stops it. The servers load only once the flags and the data directory are
 * found good.
 */
import { mkdir } from 'node:fs/promises';
import type { Lab } from '../lab.js';
import { DataDirTaken, takeDataDir, type ServingLock } from '../lab/servingLock.js';
import { instructorsAlike } from '../store/instructorNames.js';
import { DatabaseUnavailable } from '../store/sql.js';
import { UsageError } from './flags.js';
import { serveConfig } from './serveFlags.js';

/** The table printed at start: every service, standard port, lab port, TLS mode. */
export function serviceTable(lab: Lab): string {
  const rows = [
    ['service', 'standard port', 'lab port', 'TLS'],
    ...lab.services.map((s) => [s.id, String(s.standardPort), String(s.port), s.tls === 'implicit' ? 'implicit TLS' : s.id === 'pop3' ? 'STLS' : 'STARTTLS']),
    ['dns', '53', String(lab.dnsPort), '-'],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The data directory for this process alone, or a message naming the lab that has it. */
async function takeData(dataDir: string): Promise<ServingLock> {
  await mkdir(dataDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST' && err.code !== 'ENOTDIR') throw err;
    throw new UsageError(
      `--data must name a directory (made if missing), but ${dataDir} is a file, or lies inside one. Example: --data ./maillab-data`,
      `--data 必须是一个目录（不存在时会自动创建），但 ${dataDir} 是一个文件，或位于文件之下。例如：--data ./maillab-data`,
    );
  });
  try {
    return takeDataDir(dataDir);
  } catch (err) {
    if (!(err instanceof DataDirTaken)) throw err;
    throw new UsageError(
      `Another MailLab (PID ${err.pid}) is already using ${dataDir}; two labs on one data directory would overwrite each other's mailbox indexes. Stop that one first (Ctrl+C in its terminal, or kill ${err.pid}), or give this one its own directory with --data DIR.`,
      `另一个 MailLab（PID ${err.pid}）正在使用数据目录 ${dataDir}；两个实验室共用一个数据目录会互相覆盖邮箱索引。请先停止它（在它的终端按 Ctrl+C，或 kill ${err.pid}），或用 --data DIR 给这个实验室另选目录。`,
    );
  }
}

export async function serve(args: string[]): Promise<void> {
  const config = serveConfig(args);
  const lock = await takeData(config.dataDir);
  // However the process ends (a clean stop, a fatal error), the directory is free again.
  process.on('exit', () => lock.release());
  const { startLab, ListenError } = await import('../lab.js');
  const { ClusterSetupError } = await import('../cluster/joinCluster.js');
  let lab: Lab;
  try {
    lab = await startLab(config);
  } catch (err) {
    lock.release();
    if (err instanceof ListenError) throw new UsageError(err.message, err.zh);
    if (err instanceof DatabaseUnavailable) throw new UsageError(err.message, `无法连接 PostgreSQL：${err.message}`);
    if (err instanceof ClusterSetupError) throw new UsageError(err.message, `无法加入集群：${err.message}`);
    throw err;
  }
  // Listening for the stop signals before saying the lab is ready: whoever reads that line may
  // stop it at once, and a signal with no listener yet would end the process without a clean stop.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down... / 正在关闭……\n`);
    lab.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`Shutdown failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(
    `MailLab is running. / MailLab 已启动。\n\n${serviceTable(lab)}\n\n` +
      `Site / 网站: http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${lab.httpPort}/\n` +
      (config.mode === 'classroom'
        ? `Classroom mode / 课堂模式: learners join at / 学生加入: /join/ · instructors / 教师: /instructor/\n`
        : `Users / 用户: alice@example.com, bob@example.com, carol@otherdomain.com (password / 密码: secret)\n`) +
      `Data / 数据: ${config.dataDir}\nPress Ctrl+C to stop. / 按 Ctrl+C 停止。\n`,
  );
  for (const names of await instructorsAlike(lab.db)) process.stdout.write(alikeWarning(names));
}

/** Instructors kept alike from before names were keyed: the newer logs in only with its own password; how to part them. */
function alikeWarning(names: string[]): string {
  const list = names.map((n) => `"${n}"`).join(', ');
  return (
    `Warning: the instructors ${list} have names that differ only in upper and lower case, which the lab no longer tells apart. Each still logs in with their own password; give one another name: maillab instructor rename "${names[1]}" "NEW NAME"\n` +
    `警告：教师 ${list} 的名字只有大小写不同，而实验室已不再区分大小写。各自仍可用自己的密码登录；请给其中一位改名：maillab instructor rename "${names[1]}" "新名字"\n`
  );
}
