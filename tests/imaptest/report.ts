/**
 * Reading imaptest: which capabilities each scripted group needs (its header), and what its
 * reports say (failed groups, stress errors). imaptest 2.3 counts a group whose capability the
 * server does not advertise as passed without running it, so the groups are checked against
 * the server's capabilities here.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface TestGroup {
  name: string;
  /** Capabilities named in the group's "capabilities:" header, upper-cased. */
  capabilities: string[];
}

/** The scripted groups in imaptest's tests directory (every file but the .mbox message sources). */
export async function readGroups(dir: string): Promise<TestGroup[]> {
  const groups: TestGroup[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.endsWith('.mbox') || !(await stat(join(dir, name))).isFile()) continue;
    const text = await readFile(join(dir, name), 'latin1');
    // The header ends at the first blank line.
    const header = text.split(/\r?\n\r?\n/, 1)[0]!;
    const line = /^capabilities:(.*)$/im.exec(header);
    groups.push({ name, capabilities: line ? line[1]!.trim().split(/\s+/).filter(Boolean).map((c) => c.toUpperCase()) : [] });
  }
  return groups;
}

/** Groups that imaptest would not run, with the capabilities they miss. */
export function unrunnable(groups: readonly TestGroup[], advertised: readonly string[]): Array<{ name: string; missing: string[] }> {
  const have = new Set(advertised.map((c) => c.toUpperCase()));
  return groups.map((g) => ({ name: g.name, missing: g.capabilities.filter((c) => !have.has(c)) })).filter((g) => g.missing.length > 0);
}

export interface ScriptedReport {
  groups: number;
  failed: number;
  /** Names of the groups with at least one failed command, in report order. */
  failedGroups: string[];
}

/** Parses the scripted run's output; undefined when its summary line is missing (a crash). */
export function parseScripted(output: string): ScriptedReport | undefined {
  const summary = /^(\d+) test groups: (\d+) failed/m.exec(output);
  if (!summary) return undefined;
  const failedGroups = [...new Set([...output.matchAll(/^\*\*\* Test (\S+) command/gm)].map((m) => m[1]!))];
  return { groups: Number(summary[1]), failed: Number(summary[2]), failedGroups };
}

/** The error lines of a stress run ("Error: user[n]: ..."), with the client prefix removed. */
export function stressErrors(output: string): string[] {
  return stressErrorLines(output).map((e) => e.text);
}

/** The error lines of a stress run, each with the session it names (imaptest's rawlog.<n>), if any. */
export function stressErrorLines(output: string): Array<{ session?: number; text: string }> {
  return [...output.matchAll(/^Error: (?:\S+\[(\d+)\]: )?(.*)$/gm)].map((m) => (m[1] === undefined ? { text: m[2]! } : { session: Number(m[1]), text: m[2]! }));
}

/** The lines of an imaptest rawlog ("<time> I: <line>" from the server, "<time> O: <line>" from imaptest), each with its direction. */
export function* rawlogLines(rawlog: string): Generator<{ direction: 'I' | 'O'; text: string }> {
  for (const line of rawlog.split(/\r?\n/)) {
    const m = /^\d+\.\d+ ([IO]): (.*)$/.exec(line);
    if (m) yield { direction: m[1] as 'I' | 'O', text: m[2]! };
  }
}
