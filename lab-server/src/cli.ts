/**
 * `maillab COMMAND`: picks the command (each in cli/), and turns what went wrong into a message
 * in English and Chinese with exit code 2 (bad flags, unknown sandbox) or 1 (anything else).
 */
import { classCommand } from './cli/classroomCommands.js';
import { instructorCommand } from './cli/instructorCommands.js';
import { USAGE, UsageError } from './cli/flags.js';
import { backup, nodeCommand } from './cli/operatorCommands.js';
import { reset, users } from './cli/sandboxCommands.js';
import { serve } from './cli/serveCommand.js';
import { UnknownSandbox } from './world/sandboxes.js';

export { serveConfig, serviceTable } from './cli/serveCommand.js';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Mail, passwords and keys: whatever the lab writes is for its own user only (0600, 0700).
  process.umask(0o077);
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (command === 'serve') await serve(rest);
    else if (command === 'reset') await reset(rest);
    else if (command === 'users') await users(rest);
    else if (command === 'instructor') await instructorCommand(rest);
    else if (command === 'class') await classCommand(rest);
    else if (command === 'backup') await backup(rest);
    else if (command === 'node') await nodeCommand(rest);
    else {
      throw new UsageError(`Unknown command "${command}". Use serve, reset, users, instructor, class, backup or node.\n${USAGE}`, `未知命令 "${command}"。可用命令：serve、reset、users、instructor、class、backup、node。`);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`maillab: ${err.en}\nmaillab: ${err.zh}\n`);
      return 2;
    }
    if (err instanceof UnknownSandbox) {
      process.stderr.write(`maillab: ${err.message}. List sandboxes in <data>/sandboxes/.\nmaillab: 没有名为 "${err.sandboxId}" 的沙箱。\n`);
      return 2;
    }
    process.stderr.write(`maillab: ${(err as Error).message}\n`);
    return 1;
  }
}
