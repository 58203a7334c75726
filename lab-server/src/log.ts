/**
 * The lab's log: one line per event, "<time> <component> <message>", to stderr so stdout stays
 * for what the CLI prints on purpose. Tests pass a silent logger.
 */

export type Logger = (component: string, message: string) => void;

export const consoleLogger: Logger = (component, message) => {
  process.stderr.write(`${new Date().toISOString()} ${component}: ${message}\n`);
};

export const silentLogger: Logger = () => undefined;
