/**
 * Judges the lab's IMAP server with Dovecot's imaptest, as CI does (.ci/run):
 *   node --import tsx tests/imaptest/run.ts [IMAPTEST_DIR] [--stress-secs 60] [--qresync-secs 30] [--clients 10]   (0 s leaves a stress run out)
 * IMAPTEST_DIR holds build.sh and the source (by default ../shared/tools/imaptest, else
 * /work/shared/tools/imaptest). Against a fresh lab in
 * its own process it runs (a) the scripted groups, every one of which must run (its capability
 * advertised) and pass, and (b) a stress run in which many clients SELECT, FETCH, STORE,
 * EXPUNGE and APPEND at once and imaptest checks every reply against its model: no errors,
 * then (c) the same with QRESYNC on, each client reopening the mailbox with what it remembers.
 * Exits 1 with the reasons when anything falls short of that, except what known-failures.ts
 * lists (each with its reason), and also when a listed failure no longer happens.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { RawClient } from '../helpers/rawSocket.js';
import { KNOWN_GROUP_FAILURES } from './known-failures.js';
import { parseScripted, readGroups, unrunnable } from './report.js';
import { judgeStress } from './stressVerdict.js';

const USER = 'alice@example.com';
const USER2 = 'bob@example.com';
const PASSWORD = 'secret';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/** Runs imaptest to the end and returns everything it printed (its rawlogs, if asked, go to `cwd`). */
function imaptest(binary: string, args: string[], cwd?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd, env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/dovecot' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('latin1')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Logs in and runs one command; returns its transcript. */
async function imapCommand(port: number, user: string, command: string): Promise<string> {
  const c = await RawClient.open(port);
  try {
    await c.until(/^\* OK [^\r\n]*\r\n/m);
    await c.command(`l LOGIN ${user} ${PASSWORD}`, /^l OK [^\r\n]*\r\n/m);
    return await c.command(`c ${command}`, /^c (OK|NO|BAD) [^\r\n]*\r\n/m);
  } finally {
    c.close();
  }
}

/** The capabilities the server advertises after login (what imaptest compares groups against). */
async function capabilitiesAfterLogin(port: number): Promise<string[]> {
  return /^\* CAPABILITY (.*)\r$/m.exec(await imapCommand(port, USER, 'CAPABILITY'))![1]!.split(' ');
}

/**
 * The scripted groups, with two preconditions imaptest leaves out: urlauth2 fetches messages
 * 1:2 but has no "messages:" header, so nothing is appended for it (against any server it can
 * only fail); and its second connection, user2, selects a mailbox of the test's name, which
 * imaptest creates only for the first user. The copy adds the header; the lab gets the mailbox.
 */
async function preparedTests(testsDir: string, dir: string, port: number): Promise<string> {
  const copy = join(dir, 'tests');
  await cp(testsDir, copy, { recursive: true });
  const urlauth2 = join(copy, 'urlauth2');
  const text = await readFile(urlauth2, 'latin1');
  if (!/^messages:/m.test(text.split(/\n\n/, 1)[0]!)) await writeFile(urlauth2, `messages: 2\n${text}`, 'latin1');
  await imapCommand(port, USER2, 'CREATE imaptest');
  return copy;
}

async function withLab<T>(work: (lab: LabProcess) => Promise<T>): Promise<T> {
  const lab = await startLabProcess();
  try {
    return await work(lab);
  } finally {
    await lab.stop();
  }
}

const problems: string[] = [];
const notes: string[] = [];

async function scripted(binary: string, testsDir: string, dir: string): Promise<void> {
  const groups = await readGroups(testsDir);
  await withLab(async (lab) => {
    const port = lab.ports.imap!;
    const skipped = unrunnable(groups, await capabilitiesAfterLogin(port));
    const tests = await preparedTests(testsDir, dir, port);
    const { output } = await imaptest(binary, [`host=127.0.0.1`, `port=${port}`, `user=${USER}`, `pass=${PASSWORD}`, `user2=${USER2}`, `test=${tests}`]);
    const report = parseScripted(output);
    if (!report) {
      problems.push(`imaptest's scripted run ended without its summary:\n${output.slice(-3000)}`);
      return;
    }
    const failing = new Map<string, string>([...skipped.map((s) => [s.name, `not run: ${s.missing.join(' ')} not advertised`] as [string, string]), ...report.failedGroups.map((g) => [g, 'failed'] as [string, string])]);
    for (const [name, why] of failing) {
      const known = KNOWN_GROUP_FAILURES[name];
      if (known) notes.push(`known: group ${name} ${why} (${known})`);
      else problems.push(`group ${name} ${why}`);
    }
    for (const name of Object.keys(KNOWN_GROUP_FAILURES)) {
      if (!failing.has(name)) problems.push(`group ${name} now runs and passes: remove it from tests/imaptest/known-failures.ts`);
    }
    const passed = groups.length - failing.size;
    console.log(`imaptest scripted: ${groups.length} groups, ${groups.length - skipped.length} run, ${passed} passed, ${report.failedGroups.length} failed, ${skipped.length} not run`);
    if (report.failedGroups.length > 0) console.log(output.replace(/^(?!\*\*\*| - ).*\n/gm, '').slice(0, 20_000));
  });
}

/**
 * Test messages of many MIME shapes for the stress run to APPEND: imaptest's own sources. The
 * stress model knows a message by its Message-ID, and the thread groups reuse IDs across
 * different messages, so each message gets an ID of its own.
 */
async function stressMbox(testsDir: string, dir: string): Promise<string> {
  const sources = (await readdir(testsDir)).filter((n) => n.endsWith('.mbox')).sort();
  const texts = await Promise.all(sources.map((n) => readFile(join(testsDir, n), 'latin1')));
  let n = 0;
  const messages = texts.flatMap((text) =>
    text.split(/^(?=From \S)/m).filter((m) => m.startsWith('From ')).map((m) => {
      const [envelope, ...rest] = m.split('\n');
      const blank = rest.indexOf('');
      const header = (blank === -1 ? rest : rest.slice(0, blank)).join('\n').replace(/^Message-ID:.*(\n[ \t].*)*\n?/gim, '');
      const body = blank === -1 ? '' : rest.slice(blank).join('\n');
      return `${envelope}\nMessage-ID: <stress-${++n}@maillab.test>\n${header}${header.endsWith('\n') ? '' : '\n'}${body.replace(/\n*$/, '\n')}\n`;
    }),
  );
  const file = join(dir, 'stress.mbox');
  await writeFile(file, messages.join(''), 'latin1');
  return file;
}

/**
 * A stress run; with `qresync` every client enables QRESYNC and reopens the mailbox with what it
 * remembers, and imaptest's rawlogs (in `rawDir`) of every session let stressVerdict.ts check
 * each SELECT answer and tell imaptest's own defects in that mode from a fault of the lab's.
 */
async function stress(binary: string, mbox: string, secs: number, clients: number, qresync?: { rawDir: string }): Promise<void> {
  await withLab(async (lab) => {
    const args = [`host=127.0.0.1`, `port=${lab.ports.imap}`, `user=${USER}`, `pass=${PASSWORD}`, `mbox=${mbox}`, `clients=${clients}`, `secs=${secs}`, ...(qresync ? ['qresync', 'rawlog'] : [])];
    const { code, output } = await imaptest(binary, args, qresync?.rawDir);
    let rawlogs: Map<string, string> | undefined;
    if (qresync) {
      const names = (await readdir(qresync.rawDir)).filter((n) => n.startsWith('rawlog.'));
      rawlogs = new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(qresync.rawDir, n), 'latin1')] as [string, string])));
    }
    const verdict = judgeStress(output, code, rawlogs);
    console.log(`imaptest stress${qresync ? ' with QRESYNC' : ''}: ${clients} clients, ${secs} s, ${verdict.summary}`);
    console.log(output.split('\n').slice(-6).join('\n'));
    problems.push(...verdict.problems);
    notes.push(...verdict.notes);
  });
}

async function main(): Promise<void> {
  const given = process.argv[2]?.startsWith('--') ? undefined : process.argv[2];
  const toolDir = [given, '../shared/tools/imaptest', '/work/shared/tools/imaptest'].find((d) => d !== undefined && existsSync(join(d, 'build.sh')));
  if (!toolDir) throw new Error('imaptest not found: run.ts [IMAPTEST_DIR] [--stress-secs 60] [--clients 10], or put it at ../shared/tools/imaptest');
  const { stdout } = await promisify(execFile)(join(toolDir, 'build.sh'), { maxBuffer: 16 * 1024 * 1024 });
  const binary = stdout.trim().split('\n').pop()!;
  const testsDir = join(toolDir, 'src', 'src', 'tests');
  const dir = await mkdtemp(join(tmpdir(), 'maillab-imaptest-'));
  try {
    await scripted(binary, testsDir, dir);
    const mbox = await stressMbox(testsDir, dir);
    // 0 seconds leaves a stress run out (to repeat the QRESYNC one alone).
    const stressSecs = option('--stress-secs', 60);
    if (stressSecs > 0) await stress(binary, mbox, stressSecs, option('--clients', 10));
    const rawDir = join(dir, 'rawlogs');
    await mkdir(rawDir);
    const qresyncSecs = option('--qresync-secs', 30);
    if (qresyncSecs > 0) await stress(binary, mbox, qresyncSecs, option('--clients', 10), { rawDir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const note of notes) console.log(note);
  if (problems.length > 0) {
    console.error(`\nimaptest: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(notes.length > 0 ? `imaptest: nothing wrong beyond the ${notes.length} known failure(s) above` : 'imaptest: every group ran and passed; the stress run had no errors');
}

await main();
