/**
 * Extended SEARCH and SORT results: the RETURN options (RFC 4731 ESEARCH, RFC 5182 SAVE,
 * RFC 5267 PARTIAL and UPDATE) and the ESEARCH response that answers them, in place of the
 * plain "* SEARCH 1 2 3" list.
 */
import type { Token } from './parser.js';
import { ArgumentError, describe } from './schema.js';
import { stringBytes } from './response.js';
import { compactSet } from './sequenceSet.js';

export interface ReturnOptions {
  min: boolean;
  max: boolean;
  all: boolean;
  count: boolean;
  /** Keep the result for "$" (RFC 5182). */
  save: boolean;
  /** Keep the result up to date with ADDTO/REMOVEFROM until CANCELUPDATE (RFC 5267). */
  update: boolean;
  /** 1-based positions in the result, low and high (RFC 5267). */
  partial?: [number, number];
}

const OPTION_HELP = 'Return options are MIN, MAX, ALL, COUNT, SAVE, UPDATE and PARTIAL n:m, e.g. RETURN (MIN COUNT)';

/** Reads "RETURN (...)" at the start of SEARCH or SORT; undefined when the command has none. */
export function readReturnOptions(tokens: readonly Token[]): { options: ReturnOptions | undefined; rest: readonly Token[] } {
  const first = tokens[0];
  if (first?.type !== 'atom' || first.value.toUpperCase() !== 'RETURN') return { options: undefined, rest: tokens };
  const list = tokens[1];
  if (list?.type !== 'list') throw new ArgumentError(`RETURN needs a list in parentheses. ${OPTION_HELP}`);
  const options: ReturnOptions = { min: false, max: false, all: false, count: false, save: false, update: false };
  const items = list.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.type !== 'atom' || item.section) throw new ArgumentError(`"${describe(item)}" is not a return option. ${OPTION_HELP}`);
    const name = item.value.toUpperCase();
    switch (name) {
      case 'MIN':
      case 'MAX':
      case 'ALL':
      case 'COUNT':
      case 'SAVE':
        options[name.toLowerCase() as 'min' | 'max' | 'all' | 'count' | 'save'] = true;
        break;
      case 'CONTEXT':
        // RFC 5267: a hint that the client may ask for more later; nothing to do.
        break;
      case 'UPDATE':
        if (options.update) throw new ArgumentError('UPDATE is given twice');
        options.update = true;
        break;
      case 'PARTIAL': {
        if (options.partial) throw new ArgumentError('PARTIAL can be given only once');
        const range = items[++i];
        const m = range?.type === 'atom' ? /^(\d{1,10}):(\d{1,10})$/.exec(range.value) : null;
        const [a, b] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
        if (a < 1 || b < 1 || a > 0xffffffff || b > 0xffffffff) {
          throw new ArgumentError('PARTIAL needs a range of result positions like 1:100 (no *)');
        }
        options.partial = [Math.min(a, b), Math.max(a, b)];
        break;
      }
      default:
        throw new ArgumentError(`Unknown return option "${item.value.slice(0, 20)}". ${OPTION_HELP}`);
    }
  }
  if (options.partial && options.all) throw new ArgumentError('PARTIAL and ALL cannot be used together: PARTIAL is a part of ALL');
  // RETURN () means RETURN (ALL).
  if (!options.min && !options.max && !options.all && !options.count && !options.save && !options.update && !options.partial) options.all = true;
  return { options, rest: tokens.slice(2) };
}

/** The positions PARTIAL names, as a slice of the result. */
export function partialOf<T>(result: readonly T[], [low, high]: [number, number]): T[] {
  return result.slice(low - 1, high);
}

/**
 * The ESEARCH response for a result (message numbers or UIDs, in result order), or undefined
 * when only SAVE was asked for, which answers nothing.
 */
export function esearchResponse(tag: string, uid: boolean, options: ReturnOptions, ids: readonly number[], modseq?: number): string | undefined {
  const { min, max, all, count, partial } = options;
  if (!min && !max && !all && !count && !partial && !options.update) return undefined;
  let line = `ESEARCH (TAG ${stringBytes(tag).toString('latin1')})${uid ? ' UID' : ''}`;
  if (min && ids.length > 0) line += ` MIN ${ids[0]}`;
  if (max && ids.length > 0) line += ` MAX ${ids[ids.length - 1]}`;
  if (all && ids.length > 0) line += ` ALL ${compactSet(ids)}`;
  if (partial) {
    const part = partialOf(ids, partial);
    line += ` PARTIAL (${partial[0]}:${partial[1]} ${part.length > 0 ? compactSet(part) : 'NIL'})`;
  }
  if (count) line += ` COUNT ${ids.length}`;
  // With a MODSEQ search key: the highest modseq of the messages returned (RFC 7162 §3.1.10).
  if (modseq && ids.length > 0) line += ` MODSEQ ${modseq}`;
  return line;
}

/** The part of a result the ESEARCH answer names: all of it, or just its MIN, MAX and PARTIAL. */
export function returned<T>(options: ReturnOptions, result: readonly T[]): T[] {
  if (options.all || options.count || options.update) return [...result];
  const out: T[] = [];
  if (options.min && result.length > 0) out.push(result[0]!);
  if (options.max && result.length > 0) out.push(result[result.length - 1]!);
  // Concatenated, not pushed as arguments: a PARTIAL range can hold more than the stack takes.
  return options.partial ? out.concat(partialOf(result, options.partial)) : out;
}

/**
 * What SAVE keeps (RFC 5182 §2.4, RFC 5267 §4.4): only the minimum and maximum when those
 * alone were asked for, only the PARTIAL range unless COUNT wanted them all, else everything.
 */
export function savedPart<T>(options: ReturnOptions, result: readonly T[]): T[] {
  if (!options.all && !options.count && !options.partial && (options.min || options.max)) {
    const kept = new Set<T>();
    if (options.min && result.length > 0) kept.add(result[0]!);
    if (options.max && result.length > 0) kept.add(result[result.length - 1]!);
    return [...kept];
  }
  if (options.partial && !options.count) return partialOf(result, options.partial);
  return [...result];
}
