/**
 * `maillab COMMAND`: picks the command (each in cli/), and turns what went wrong into a message
 * in English and Chinese with exit code 2 (bad flags, unknown sandbox) or 1 (anything else).
 * A command's modules load only when it runs: `--help`, a bad flag or `instructor add` would
 * otherwise pay ~2 s of CPU loading the servers first.
 */
import { USAGE, UsageError } from './cli/flags.js';

export { serveConfig } from './cli/serveFlags.js';
export { serviceTable } from './cli/serveCommand.js';

/** Each command: the module that runs it, loaded on demand. */
const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  serve: async (args) => (await import('./cli/serveCommand.js')).serve(args),
  reset: async (args) => (await import('./cli/sandboxCommands.js')).reset(args),
  users: async (args) => (await import('./cli/sandboxCommands.js')).users(args),
  instructor: async (args) => (await import('./cli/instructorCommands.js')).instructorCommand(args),
  class: async (args) => (await import('./cli/classroomCommands.js')).classCommand(args),
  backup: async (args) => (await import('./cli/operatorCommands.js')).backup(args),
  node: async (args) => (await import('./cli/operatorCommands.js')).nodeCommand(args),
};

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
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) {
      throw new UsageError(`Unknown command "${command}". Use serve, reset, users, instructor, class, backup or node.\n${USAGE}`, `未知命令 "${command}"。可用命令：serve、reset、users、instructor、class、backup、node。`);
    }
    await run(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`maillab: ${err.en}\nmaillab: ${err.zh}\n`);
      return 2;
    }
    // Loaded only here: only the sandbox commands throw it, and they have loaded it already.
    const { UnknownSandbox } = await import('./world/sandboxes.js');
    if (err instanceof UnknownSandbox) {
      process.stderr.write(`maillab: ${err.message}. List sandboxes in <data>/sandboxes/.\nmaillab: 没有名为 "${err.sandboxId}" 的沙箱。\n`);
      return 2;
    }
    process.stderr.write(`maillab: ${(err as Error).message}\n`);
    return 1;
  }
}
