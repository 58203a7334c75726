/** `maillab reset` and `maillab users`: one sandbox's files, straight from the data directory. */
import { mkdir } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { sandboxMail } from '../maildir/sandboxMaildirs.js';
import { DEFAULT_SANDBOX, Sandboxes } from '../world/sandboxes.js';
import { DataDirTaken, takeDataDir, type ServingLock } from '../lab/servingLock.js';
import { parse, UsageError } from './flags.js';

const sandboxOptions = {
  data: { type: 'string' },
  sandbox: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

export async function reset(args: string[]): Promise<void> {
  const v = parse(args, sandboxOptions);
  const id = (v.sandbox as string | undefined) ?? DEFAULT_SANDBOX;
  const dataDir = (v.data as string | undefined) ?? './data';
  // A running lab holds the sandbox's mailboxes open: replacing the files under it would
  // leave it out of step with them. Held while resetting, so no lab starts meanwhile either.
  await mkdir(dataDir, { recursive: true });
  let lock: ServingLock;
  try {
    lock = takeDataDir(dataDir);
  } catch (err) {
    if (!(err instanceof DataDirTaken)) throw err;
    throw new UsageError(
      `A MailLab (PID ${err.pid}) is serving ${dataDir}, and a reset under it would leave its open mailboxes out of step with the files. Stop it first (Ctrl+C in its terminal), then run maillab reset again; in classroom mode an instructor can reset a learner's sandbox from the dashboard while the lab runs.`,
      `MailLab（PID ${err.pid}）正在使用 ${dataDir}，在它运行时重置会让它打开的邮箱与文件不一致。请先停止它（在它的终端按 Ctrl+C），再运行 maillab reset；课堂模式下，教师可以在实验室运行时从仪表板重置学生的沙箱。`,
    );
  }
  try {
    const sandboxes = new Sandboxes(dataDir, sandboxMail);
    if (id === DEFAULT_SANDBOX && !(await sandboxes.exists(id))) await sandboxes.create(id);
    else await sandboxes.reset(id);
  } finally {
    lock.release();
  }
  process.stdout.write(`Sandbox "${id}" restored to its seeded state. / 沙箱 "${id}" 已恢复到初始状态。\n`);
}

export async function users(args: string[]): Promise<void> {
  const v = parse(args, sandboxOptions);
  const sandboxes = new Sandboxes((v.data as string | undefined) ?? './data', sandboxMail);
  const id = (v.sandbox as string | undefined) ?? DEFAULT_SANDBOX;
  if (id === DEFAULT_SANDBOX && !(await sandboxes.exists(id))) await sandboxes.create(id);
  const sandbox = await sandboxes.get(id);
  const rows = sandbox.definition.users.map((u) => `${u.address.padEnd(28)} ${u.displayName.padEnd(10)} ${u.password}`);
  process.stdout.write(`${'address / 地址'.padEnd(28)} ${'name / 名字'.padEnd(10)} password / 密码\n${rows.join('\n')}\n`);
}
