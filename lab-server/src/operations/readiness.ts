/**
 * Readiness (GET /readyz): can this lab serve a class right now? Each check does the real
 * thing — connects to every mail listener and waits for its greeting (through TLS on the
 * implicit-TLS ports), asks the lab DNS a question over UDP, writes to the database inside a
 * transaction it rolls back, looks at the free space and free inodes of the data directory's
 * disk, and weighs that against the sandboxes' quotas — and says in both languages what is
 * wrong and what to do.
 */
import { createSocket } from 'node:dgram';
import { statfs } from 'node:fs/promises';
import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { plural } from '../feedbackLine.js';
import type { QuotaLimits, Usage } from '../quota/usage.js';
import { quotaPressure, type QuotaPressure } from './quotaPressure.js';

export interface Bilingual {
  en: string;
  'zh-CN': string;
}

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  /** Ready, but an operator should look (the lab keeps serving). */
  warning?: boolean;
  detail: Bilingual;
  /** The numbers behind the detail, for scripts. */
  figures?: Record<string, number>;
}

export interface ListenerProbe {
  id: string;
  host: string;
  port: number;
  /** Implicit TLS: the greeting comes only after a handshake. */
  implicitTls: boolean;
  /** What the client says before closing, so the server logs a clean goodbye. */
  goodbye: string;
}

export interface ReadinessSources {
  listeners(): ListenerProbe[];
  dns: { host: string; port: number };
  /** Rejects when the database cannot be written. */
  probeDatabaseWrite(): Promise<void>;
  dataDir: string;
  /** Below this many free bytes (or one sandbox's quota, if larger) the lab is not ready. */
  minFreeBytes: number;
  /** Every sandbox's quota, and what the open sandboxes use (undefined: not measured yet). */
  quota: { limits: QuotaLimits; usages(): Array<Usage | undefined> };
  timeoutMs: number;
}

const bi = (en: string, zh: string): Bilingual => ({ en, 'zh-CN': zh });

/** Resolves with the first bytes the server sends, or rejects on error or timeout. */
function greeting(p: ListenerProbe, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = p.implicitTls ? tlsConnect({ host: p.host, port: p.port, rejectUnauthorized: false }) : new Socket().connect(p.port, p.host);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.end(p.goodbye);
      setTimeout(() => socket.destroy(), 1000).unref();
      resolve(chunk.toString('latin1').split('\r\n')[0] ?? '');
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

async function checkListener(p: ListenerProbe, timeoutMs: number): Promise<ReadinessCheck> {
  const name = `listener:${p.id}`;
  try {
    const line = await greeting(p, timeoutMs);
    if (/^(220 |\+OK|\* OK)/.test(line)) return { name, ok: true, detail: bi(`port ${p.port} greets: ${line.slice(0, 80)}`, `端口 ${p.port} 的问候：${line.slice(0, 80)}`) };
    return { name, ok: false, detail: bi(`port ${p.port} answers "${line.slice(0, 80)}" instead of a greeting. Look at the lab's log for why.`, `端口 ${p.port} 的回应是 "${line.slice(0, 80)}"，不是正常的问候。请查看实验室日志找出原因。`) };
  } catch (err) {
    return { name, ok: false, detail: bi(`port ${p.port} does not greet: ${(err as Error).message}. Restart the lab; if the port is taken, choose another with --port-offset.`, `端口 ${p.port} 没有问候：${(err as Error).message}。请重启实验室；如果端口被占用，用 --port-offset 换一组端口。`) };
  }
}

/** One SOA question over UDP: any well-formed response means the server answers. */
function checkDns(host: string, port: number, timeoutMs: number): Promise<ReadinessCheck> {
  const name = 'dns';
  // id 0x6d6c, RD, one question: example.com SOA IN.
  const query = Buffer.from('6d6c01000001000000000000076578616d706c6503636f6d0000060001', 'hex');
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (check: ReadinessCheck): void => {
      clearTimeout(timer);
      socket.close();
      resolve(check);
    };
    const timer = setTimeout(
      () => done({ name, ok: false, detail: bi(`the lab DNS on port ${port} did not answer within ${timeoutMs} ms. Restart the lab.`, `端口 ${port} 上的实验室 DNS 在 ${timeoutMs} 毫秒内没有应答。请重启实验室。`) }),
      timeoutMs,
    );
    socket.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === 0x6d6c) done({ name, ok: true, detail: bi(`the lab DNS answers on port ${port} (UDP)`, `实验室 DNS 在端口 ${port}（UDP）上应答`) });
    });
    socket.on('error', (err) => done({ name, ok: false, detail: bi(`cannot ask the lab DNS on port ${port}: ${err.message}`, `无法向端口 ${port} 上的实验室 DNS 查询：${err.message}`) }));
    socket.send(query, port, host);
  });
}

async function checkDatabase(probe: () => Promise<void>): Promise<ReadinessCheck> {
  try {
    await probe();
    return { name: 'database', ok: true, detail: bi('the database accepts writes', '数据库可以写入') };
  } catch (err) {
    return {
      name: 'database',
      ok: false,
      detail: bi(`the database cannot be written: ${(err as Error).message}. Check the data directory's permissions and free space.`, `数据库无法写入：${(err as Error).message}。请检查数据目录的权限和剩余空间。`),
    };
  }
}

const mib = (n: number): string => (n >= 10 * 1024 ** 3 ? `${Math.round(n / 1024 ** 3)} GiB` : `${Math.round(n / (1024 * 1024))} MiB`);

/** Each Maildir message is a file: a disk out of inodes refuses mail with room to spare. */
const MIN_FREE_INODES = 10_000;

export interface DiskSpace {
  free: number;
  total: number;
  /** Free inodes; undefined on file systems without a fixed number (btrfs, some network ones). */
  freeFiles?: number;
}

/** The data directory's disk as `statfs` sees it (what an unprivileged writer may use). */
export async function diskSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize, ...(s.files > 0 ? { freeFiles: s.ffree } : {}) };
}

/**
 * Not ready when the disk has less room than one sandbox may fill under its quota (or the
 * floor), or runs out of inodes: a learner within their quota would meet a full disk.
 */
function checkDisk(disk: DiskSpace, minFree: number, quota: QuotaLimits): ReadinessCheck {
  const { free, total, freeFiles } = disk;
  const share = total > 0 ? Math.round((free / total) * 100) : 0;
  const figures = { freeBytes: free, totalBytes: total, ...(freeFiles !== undefined ? { freeInodes: freeFiles } : {}) };
  const needed = Math.max(minFree, quota.bytes);
  if (free < needed) {
    const why = needed > minFree ? bi(`one sandbox may fill ${mib(quota.bytes)} under --quota`, `单个沙箱在 --quota 下最多可写 ${mib(quota.bytes)}`) : bi(`deliveries need at least ${mib(minFree)}`, `投递至少需要 ${mib(minFree)}`);
    return {
      name: 'disk',
      ok: false,
      figures,
      detail: bi(
        `only ${mib(free)} free on the data directory's disk (${share}%); ${why.en}. Free some space, move --data to a larger disk, or lower --quota.`,
        `数据目录所在磁盘只剩 ${mib(free)}（${share}%）；${why['zh-CN']}。请清理空间、把 --data 移到更大的磁盘，或调低 --quota。`,
      ),
    };
  }
  if (freeFiles !== undefined && freeFiles < MIN_FREE_INODES) {
    return {
      name: 'disk',
      ok: false,
      figures,
      detail: bi(
        `the data directory's disk has only ${freeFiles} free inodes: every Maildir message is a file, so deliveries will fail although ${mib(free)} are free. Delete old sandboxes or move --data to a disk with more inodes.`,
        `数据目录所在磁盘只剩 ${freeFiles} 个 inode：Maildir 里每封邮件都是一个文件，所以尽管还有 ${mib(free)} 空间，投递也会失败。请删除旧沙箱，或把 --data 移到 inode 更多的磁盘。`,
      ),
    };
  }
  const inodes = freeFiles !== undefined ? bi(`, ${freeFiles} inodes`, `，${freeFiles} 个 inode`) : bi('', '');
  return { name: 'disk', ok: true, figures, detail: bi(`${mib(free)} free (${share}%)${inodes.en}`, `剩余 ${mib(free)}（${share}%）${inodes['zh-CN']}`) };
}

/**
 * Quota pressure never makes the lab unready (a full mailbox is its learner's to empty), but
 * is flagged when sandboxes are full, or when together they may write more than the disk holds.
 */
function checkQuota(p: QuotaPressure, disk: DiskSpace): ReadinessCheck {
  const { sandboxes, unmeasured, near, full, openBytes, limits } = p;
  const figures = { sandboxes, unmeasured, near, full, openBytes, quotaBytes: limits.bytes, quotaMessages: limits.messages };
  const overcommitted = openBytes > disk.free;
  const en = [`${plural(sandboxes, 'sandbox', 'sandboxes')} open (quota ${mib(limits.bytes)}, ${limits.messages} messages each) may still write ${mib(openBytes)} between them; ${mib(disk.free)} free on disk.`];
  const zh = [`已打开 ${sandboxes} 个沙箱（每个配额 ${mib(limits.bytes)}、${limits.messages} 封邮件），合计还可写入 ${mib(openBytes)}；磁盘剩余 ${mib(disk.free)}。`];
  if (near || full) {
    en.push(`${near} near their quota (90% or more), ${full} full: their learners get 452/552 on SMTP and [OVERQUOTA] on IMAP until they delete mail.`);
    zh.push(`${near} 个接近配额（90% 以上），${full} 个已满：这些学员在 SMTP 上会收到 452/552，在 IMAP 上收到 [OVERQUOTA]，直到删除邮件为止。`);
  }
  if (unmeasured) {
    en.push(`${unmeasured} not measured yet count as empty.`);
    zh.push(`${unmeasured} 个尚未统计，按空计算。`);
  }
  if (overcommitted) {
    en.push('The quotas promise more than the disk holds: fine while few learners fill theirs, but watch free space, or lower --quota.');
    zh.push('配额承诺的空间超过了磁盘容量：只要填满配额的学员不多就没问题，但请关注剩余空间，或调低 --quota。');
  }
  return { name: 'quota', ok: true, ...(full > 0 || overcommitted ? { warning: true } : {}), figures, detail: bi(en.join(' '), zh.join('')) };
}

async function checkStorage(s: ReadinessSources): Promise<ReadinessCheck[]> {
  let disk: DiskSpace;
  try {
    disk = await diskSpace(s.dataDir);
  } catch (err) {
    return [{ name: 'disk', ok: false, detail: bi(`cannot read the data directory's disk: ${(err as Error).message}`, `无法读取数据目录所在磁盘的信息：${(err as Error).message}`) }];
  }
  return [checkDisk(disk, s.minFreeBytes, s.quota.limits), checkQuota(quotaPressure(s.quota.limits, s.quota.usages()), disk)];
}

/** Runs every check at once; ready when all pass. */
export async function checkReadiness(s: ReadinessSources): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const checks = (
    await Promise.all([...s.listeners().map((p) => checkListener(p, s.timeoutMs)), checkDns(s.dns.host, s.dns.port, s.timeoutMs), checkDatabase(s.probeDatabaseWrite), checkStorage(s)])
  ).flat();
  return { ready: checks.every((c) => c.ok), checks };
}
