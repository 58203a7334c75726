/**
 * What a stress run of imaptest says about the lab: its errors, less the kinds known-failures.ts
 * lists and, in QRESYNC mode, less imaptest's own two defects there, each told apart only with
 * its session's rawlog showing that the lab's answers were right (qresyncSelect.ts: the panic;
 * staleSelectCount.ts: the count it keeps across a SELECT going stale).
 */
import { KNOWN_STRESS_ERRORS } from './known-failures.js';
import { QRESYNC_SELECT_PANIC, selectAnswerProblems } from './qresyncSelect.js';
import { stressErrorLines } from './report.js';
import { staleCountErrors, staleSelectCounts, type StaleCount, type StressError } from './staleSelectCount.js';

export interface StressVerdict {
  /** One line for the log: errors, and how many of them are of a known kind or imaptest's own. */
  summary: string;
  problems: string[];
  notes: string[];
}

/**
 * Judges one stress run from imaptest's output and exit code; `rawlogs` (file name -> text),
 * given for a QRESYNC run, are every session's exchange.
 */
export function judgeStress(output: string, code: number | null, rawlogs?: ReadonlyMap<string, string>): StressVerdict {
  const problems: string[] = [];
  const notes: string[] = [];
  const ownPanic = rawlogs !== undefined && QRESYNC_SELECT_PANIC.test(output);
  // The panic's backtrace is printed as an error line; the panic is judged below.
  let errors: StressError[] = stressErrorLines(output).filter((e) => !(ownPanic && e.text.startsWith('Raw backtrace:')));
  const all = errors.length;
  let own = 0;
  if (rawlogs) {
    const wrong = [...rawlogs].flatMap(([name, text]) => selectAnswerProblems(text, name));
    if (wrong.length > 0) problems.push(`${wrong.length} SELECT answers out of order, first ones:\n  ${wrong.slice(0, 20).join('\n  ')}`);
    else {
      if (ownPanic) notes.push(`imaptest panicked on its own QRESYNC SELECT defect (tests/imaptest/qresyncSelect.ts); every SELECT answer in its ${rawlogs.size} sessions numbered its FETCHes within its EXISTS, after VANISHED (EARLIER)`);
      const stale: StaleCount[] = [...rawlogs].flatMap(([name, text]) => staleSelectCounts(text, Number(name.replace(/^rawlog\./, ''))));
      const split = staleCountErrors(errors, stale);
      if (split.own.length > 0) {
        const sessions = stale.map((s) => `${s.session} (imaptest ${s.stale}, the lab ${s.told})`).join(', ');
        notes.push(`imaptest's own count went stale at a QRESYNC SELECT whose answer told a change after UIDVALIDITY (tests/imaptest/staleSelectCount.ts), in sessions ${sessions}: ${split.own.length} errors follow from it`);
      }
      own = split.own.length;
      errors = split.rest;
    }
  }
  const used = new Set<string>();
  const unknown = errors.filter((e) => {
    const known = KNOWN_STRESS_ERRORS.find((k) => k.pattern.test(e.text));
    if (known) used.add(known.reason);
    return !known;
  });
  const knownKind = errors.length - unknown.length;
  const parts = [knownKind > 0 ? `${knownKind} of a known kind` : '', own > 0 ? `${own} imaptest's own` : ''].filter(Boolean);
  const summary = `${all} errors${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
  if (code !== 0 && !ownPanic) problems.push(`imaptest's stress run exited with ${code}`);
  if (!/^Totals:/m.test(output) && !ownPanic) problems.push(`imaptest's stress run ended without its totals:\n${output.slice(-3000)}`);
  if (unknown.length > 0) problems.push(`${unknown.length} stress errors, first ones:\n  ${unknown.slice(0, 20).map((e) => (e.session === undefined ? e.text : `[${e.session}] ${e.text}`)).join('\n  ')}`);
  for (const k of KNOWN_STRESS_ERRORS) {
    if (used.has(k.reason)) notes.push(`known: stress errors matching ${k.pattern} (${k.reason})`);
    else problems.push(`no stress error matches ${k.pattern} any more: remove it from tests/imaptest/known-failures.ts`);
  }
  return { summary, problems, notes };
}
