/**
 * Readiness (GET /readyz): can this lab serve a class right now? Each check does the real
 * thing — connects to every mail listener and waits for its greeting (through TLS on the
 * implicit-TLS ports), asks the lab DNS a question over UDP, writes to the database inside a
 * transaction it rolls back, and looks at the free space of the data directory's disk — and
 * says in both languages what is wrong and what to do.
 */
import { createSocket } from 'node:dgram';
import { statfs } from 'node:fs/promises';
import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Bilingual {
  en: string;
  'zh-CN': string;
}

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: Bilingual;
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
  /** Below this many free bytes the lab is not ready (deliveries would fail). */
  minFreeBytes: number;
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

const mib = (n: number): string => `${Math.round(n / (1024 * 1024))} MiB`;

async function checkDisk(dir: string, minFree: number): Promise<ReadinessCheck> {
  try {
    const s = await statfs(dir);
    const free = s.bavail * s.bsize;
    const total = s.blocks * s.bsize;
    const share = total > 0 ? Math.round((free / total) * 100) : 0;
    if (free < minFree) {
      return {
        name: 'disk',
        ok: false,
        detail: bi(`only ${mib(free)} free on the data directory's disk (${share}%); deliveries need at least ${mib(minFree)}. Free some space or move --data to a larger disk.`, `数据目录所在磁盘只剩 ${mib(free)}（${share}%）；投递至少需要 ${mib(minFree)}。请清理空间，或把 --data 移到更大的磁盘。`),
      };
    }
    return { name: 'disk', ok: true, detail: bi(`${mib(free)} free (${share}%)`, `剩余 ${mib(free)}（${share}%）`) };
  } catch (err) {
    return { name: 'disk', ok: false, detail: bi(`cannot read the data directory's disk: ${(err as Error).message}`, `无法读取数据目录所在磁盘的信息：${(err as Error).message}`) };
  }
}

/** Runs every check at once; ready when all pass. */
export async function checkReadiness(s: ReadinessSources): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const checks = await Promise.all([
    ...s.listeners().map((p) => checkListener(p, s.timeoutMs)),
    checkDns(s.dns.host, s.dns.port, s.timeoutMs),
    checkDatabase(s.probeDatabaseWrite),
    checkDisk(s.dataDir, s.minFreeBytes),
  ]);
  return { ready: checks.every((c) => c.ok), checks };
}
