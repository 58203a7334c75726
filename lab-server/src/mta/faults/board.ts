/**
 * One sandbox's armed faults and what they remember: how many matching events each has seen
 * and how often it fired, and greylisting's sender/recipient/client triples with the time each
 * was first seen on the lab clock. Kept in <sandbox>/faults.json (written whole, atomically),
 * so faults stay armed across a restart and a reset of the sandbox disarms them.
 *
 * The lab's servers ask the board at each step (`smtp`, `dns`); the answer says whether to
 * wait, and whether to answer with a code, drop the connection or fail the TLS handshake.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DnsInterference } from '../../dns/interference.js';
import { writeFileAtomic } from '../../files/atomicWrite.js';
import { plural } from '../../grading/feedback.js';
import type { Clock } from '../clock.js';
import { defaultReplyText, describeFault, describeFiring, MAX_FAULTS, type Bilingual, type DropStep, type FaultSpec, type Firing } from './spec.js';

export type ArmedBy = 'learner' | 'instructor';

export interface ArmedFault {
  id: string;
  spec: FaultSpec;
  fire: Firing;
  armedBy: ArmedBy;
  armedAt: string;
  /** Matching events so far, and how many of them the fault fired on. */
  seen: number;
  fired: number;
  lastFiredAt?: string;
}

/** A fault as the API lists it: with what it does and when it fires, in both languages. */
export type FaultView = ArmedFault & { does: Bilingual; when: Bilingual; spent: boolean };

/** One event at a lab MTA's port 25. `starttls` is the STARTTLS command. */
export interface SmtpEvent {
  host: string;
  step: DropStep | 'starttls';
  /** The client's address as the server sees it (a lab MTA's lab address when one relays). */
  client: string;
  sender?: string;
  recipient?: string;
}

export type SmtpAction = { kind: 'reply'; code: number; text: string } | { kind: 'drop' } | { kind: 'tls-fail' };

export interface SmtpVerdict {
  /** Wait this long before going on (delay faults). */
  delayMs: number;
  action?: SmtpAction;
  /** The faults that fired, for the server's log. */
  fired: ArmedFault[];
}

interface GreylistEntry {
  first: number;
  passed: boolean;
}

interface Saved {
  faults: ArmedFault[];
  greylist: Record<string, GreylistEntry>;
}

/** A fault to arm: what it does, when it fires, and optionally its id. */
export interface NewFault {
  spec: FaultSpec;
  fire: Firing;
  id?: string;
}

export const newFaultId = (): string => `f${randomBytes(4).toString('hex')}`;

/** Triples remembered per sandbox; the oldest are forgotten first. */
const MAX_TRIPLES = 5000;

export interface BoardHooks {
  /** Told of every firing (metrics). */
  onFire?: (fault: ArmedFault) => void;
  /** Runs each write of faults.json: the sandbox drops it when its world was reset meanwhile. */
  guardWrite?: (write: () => Promise<void>) => Promise<unknown>;
}

export class FaultBoard {
  private faults: ArmedFault[] = [];
  private greylist = new Map<string, GreylistEntry>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly clock: Clock,
    private readonly hooks: BoardHooks,
  ) {}

  static async load(file: string, clock: Clock, hooks: BoardHooks = {}): Promise<FaultBoard> {
    const board = new FaultBoard(file, clock, hooks);
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Saved;
      board.faults = Array.isArray(saved.faults) ? saved.faults : [];
      board.greylist = new Map(Object.entries(saved.greylist ?? {}));
    } catch {
      // No file yet (nothing armed), or an unreadable one: start with nothing armed.
    }
    return board;
  }

  /** Every armed fault, oldest first, with its description. */
  list(): FaultView[] {
    return this.faults.map((f) => ({ ...f, does: describeFault(f.spec), when: describeFiring(f.spec, f.fire), spent: f.fire.times !== null && f.fired >= f.fire.times }));
  }

  /**
   * Replaces the faults one party armed (PUT): the other party's stay as they are. A wanted
   * fault may bring its id (an instructor arms one fault under one id in every learner's sandbox).
   */
  replace(by: ArmedBy, wanted: ReadonlyArray<NewFault>): Promise<FaultView[]> {
    return this.change(by, () => wanted);
  }

  /** Arms one more fault (POST), keeping the counters of those already armed. */
  add(by: ArmedBy, one: NewFault): Promise<FaultView[]> {
    return this.change(by, (mine) => [...mine, one]);
  }

  /** Disarms one fault this party armed (DELETE); false when there is no such fault of theirs. */
  async remove(by: ArmedBy, id: string): Promise<boolean> {
    if (!this.faults.some((f) => f.id === id && f.armedBy === by)) return false;
    await this.change(by, (mine) => mine.filter((f) => f.id !== id));
    return true;
  }

  /** Sets one party's faults to `next(theirs)`: faults already armed keep their id and counters. */
  private async change(by: ArmedBy, next: (mine: ArmedFault[]) => ReadonlyArray<NewFault | ArmedFault>): Promise<FaultView[]> {
    const wanted = next(this.faults.filter((f) => f.armedBy === by));
    if (wanted.length > MAX_FAULTS) throw new RangeError(`at most ${MAX_FAULTS} faults`);
    const now = new Date().toISOString();
    const armed = wanted.map((w): ArmedFault => ('armedAt' in w ? w : { id: w.id ?? newFaultId(), spec: w.spec, fire: w.fire, armedBy: by, armedAt: now, seen: 0, fired: 0 }));
    this.faults = [...this.faults.filter((f) => f.armedBy !== by), ...armed];
    // Disarming greylisting forgets its triples: arming it again starts from a clean slate.
    if (!this.faults.some((f) => f.spec.kind === 'greylist')) this.greylist.clear();
    await this.save();
    return this.list();
  }

  /** True when some fault can touch the DNS (so resolvers skip asking otherwise). */
  get hasDnsFaults(): boolean {
    return this.faults.some((f) => f.spec.kind === 'dns');
  }

  /** What the lab DNS does with one question: an interference, or undefined to answer it. */
  dns(name: string, type: string): DnsInterference | undefined {
    for (const f of this.faults) {
      if (f.spec.kind !== 'dns' || f.spec.name !== name || (f.spec.type !== '*' && f.spec.type !== type.toUpperCase())) continue;
      if (this.consume(f)) {
        this.saveLater();
        return f.spec.rcode;
      }
    }
    return undefined;
  }

  /** What a lab MTA's port 25 does at one step. */
  smtp(event: SmtpEvent): SmtpVerdict {
    const verdict: SmtpVerdict = { delayMs: 0, fired: [] };
    const here = this.faults.filter((f) => 'host' in f.spec && f.spec.host === event.host);
    for (const f of here) {
      if (f.spec.kind === 'delay' && f.spec.step === event.step && this.consume(f)) {
        verdict.delayMs += f.spec.seconds * 1000;
        verdict.fired.push(f);
      }
    }
    for (const f of here) {
      const s = f.spec;
      let action: SmtpAction | undefined;
      if (s.kind === 'reply' && s.step === event.step && this.consume(f)) {
        const address = (s.step === 'mail' ? event.sender : event.recipient) ?? '';
        action = { kind: 'reply', code: s.code, text: s.text ?? defaultReplyText(s.step, s.code, s.host, address) };
      } else if (s.kind === 'drop' && s.step === event.step && this.consume(f)) {
        action = { kind: 'drop' };
      } else if (s.kind === 'tls-fail' && event.step === 'starttls' && this.consume(f)) {
        action = { kind: 'tls-fail' };
      } else if (s.kind === 'greylist' && event.step === 'rcpt') {
        action = this.greylisted(f, s.minutes, event);
      }
      if (action) {
        verdict.action = action;
        verdict.fired.push(f);
        break;
      }
    }
    if (verdict.fired.length > 0) this.saveLater();
    return verdict;
  }

  /** postgrey's rule: a new triple is refused until `minutes` have passed since it was first seen. */
  private greylisted(f: ArmedFault, minutes: number, e: SmtpEvent): SmtpAction | undefined {
    const key = [e.host, e.client, e.sender ?? '', e.recipient ?? ''].join(' ').toLowerCase();
    const now = this.clock.now();
    const entry = this.greylist.get(key);
    if (entry?.passed) return undefined;
    if (entry && now - entry.first >= minutes * 60_000) {
      entry.passed = true;
      this.saveLater();
      return undefined;
    }
    if (!entry) {
      this.greylist.set(key, { first: now, passed: false });
      for (const old of this.greylist.keys()) {
        if (this.greylist.size <= MAX_TRIPLES) break;
        this.greylist.delete(old);
      }
    }
    f.seen++;
    this.fired(f);
    const wait = Math.ceil((minutes * 60_000 - (now - (entry?.first ?? now))) / 1000);
    return { kind: 'reply', code: 450, text: `4.7.1 <${e.recipient ?? ''}>: Recipient address rejected: Greylisted, try again in ${plural(wait, 'second')}` };
  }

  /** Counts a matching event; true when the fault fires on it. */
  private consume(f: ArmedFault): boolean {
    f.seen++;
    if (f.seen <= f.fire.skip || (f.fire.times !== null && f.fired >= f.fire.times)) return false;
    this.fired(f);
    return true;
  }

  private fired(f: ArmedFault): void {
    f.fired++;
    f.lastFiredAt = new Date().toISOString();
    this.hooks.onFire?.(f);
  }

  private saveLater(): void {
    void this.save().catch(() => undefined);
  }

  /** Writes the board; writes happen one after another, the last one wins. */
  private save(): Promise<void> {
    const data = JSON.stringify({ faults: this.faults, greylist: Object.fromEntries(this.greylist) } satisfies Saved) + '\n';
    const write = (): Promise<void> => writeFileAtomic(this.file, data);
    const run = this.writing.then(async () => void (await (this.hooks.guardWrite ? this.hooks.guardWrite(write) : write())));
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Resolves when everything written so far is on disk (tests, shutdown). */
  flushed(): Promise<void> {
    return this.writing;
  }
}
