/** `maillab reset` and `maillab users`: one sandbox's files, straight from the data directory. */
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_SANDBOX, Sandboxes } from '../world/sandboxes.js';
import { parse } from './flags.js';

const sandboxOptions = {
  data: { type: 'string' },
  sandbox: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

export async function reset(args: string[]): Promise<void> {
  const v = parse(args, sandboxOptions);
  const sandboxes = new Sandboxes((v.data as string | undefined) ?? './data');
  const id = (v.sandbox as string | undefined) ?? DEFAULT_SANDBOX;
  if (id === DEFAULT_SANDBOX && !(await sandboxes.exists(id))) await sandboxes.create(id);
  else await sandboxes.reset(id);
  process.stdout.write(`Sandbox "${id}" restored to its seeded state. / 沙箱 "${id}" 已恢复到初始状态。\n`);
}

export async function users(args: string[]): Promise<void> {
  const v = parse(args, sandboxOptions);
  const sandboxes = new Sandboxes((v.data as string | undefined) ?? './data');
  const id = (v.sandbox as string | undefined) ?? DEFAULT_SANDBOX;
  if (id === DEFAULT_SANDBOX && !(await sandboxes.exists(id))) await sandboxes.create(id);
  const sandbox = await sandboxes.get(id);
  const rows = sandbox.definition.users.map((u) => `${u.address.padEnd(28)} ${u.displayName.padEnd(10)} ${u.password}`);
  process.stdout.write(`${'address / 地址'.padEnd(28)} ${'name / 名字'.padEnd(10)} password / 密码\n${rows.join('\n')}\n`);
}
