/**
 * Dovecot 2.3's reading of the values that are not text (kinds in dovecotSettingKinds.ts), as
 * its settings parser does it: a number is digits only, up to 4294967295; a size is digits with
 * an optional B, k, M, G or T (then an optional i and B, any case, blanks between); a time is
 * digits with a unit (any prefix of secs, seconds, mins, minutes, hours, days, weeks, or msecs
 * in whole seconds), "0" alone allowed, up to 4294967295 s; four settings keep a time in
 * milliseconds (any ms value, up to 4294967295 ms, 49.7 days); a mode is octal after a leading 0. Checked against the
 * real doveconf in tests/unit/dovecot-values.test.ts. Returns what doveconf says, or undefined.
 */
import { text, type Text } from '../feedback.js';
import type { DovecotValueKind } from './dovecotSettingKinds.js';

const UINT_MAX = 4294967295n;
const UINTMAX_MAX = 2n ** 64n - 1n;

/** Leading digits (str_parse_uintmax) and what follows them, blanks skipped; undefined without digits or past 64 bits. */
function leadingNumber(value: string): { num: bigint; rest: string } | undefined {
  const m = /^(\d+) *([^]*)$/.exec(value);
  if (!m) return undefined;
  const num = BigInt(m[1]!);
  return num > UINTMAX_MAX ? undefined : { num, rest: m[2]! };
}

/** Whether `rest` is a beginning of one of the words, in any case (strncasecmp(rest, word, strlen(rest))). */
const startsOne = (rest: string, ...words: string[]): boolean => words.some((w) => w.startsWith(rest.toLowerCase()));

function number(value: string): string | undefined {
  if (!/^\d+$/.test(value)) return `Invalid number ${value}: ${value.startsWith('-') ? 'Number too small' : 'Not a valid number'}`;
  return BigInt(value) > UINT_MAX ? `Invalid number ${value}: Number too large` : undefined;
}

/** The size in bytes, or doveconf's complaint (a string). */
function readSize(value: string): bigint | string {
  const read = leadingNumber(value);
  if (!read) return `Invalid size: ${value}`;
  let { rest } = read;
  const unit = ['B', 'K', 'M', 'G', 'T'].indexOf(rest.charAt(0).toUpperCase());
  const multiply = unit < 0 ? 1n : 1024n ** BigInt(Math.max(unit, 0));
  if (unit >= 0) rest = rest.slice(1);
  // k, ki, kiB: only after a unit bigger than a byte.
  if (unit > 0 && rest.charAt(0).toUpperCase() === 'I') rest = rest.slice(1);
  if (unit > 0 && rest.charAt(0).toUpperCase() === 'B') rest = rest.slice(1);
  if (rest !== '') return `Invalid size: ${value}`;
  return read.num > UINTMAX_MAX / multiply ? `Size is too large: ${value}` : read.num * multiply;
}

/** settings_get_time_full: in seconds, or in milliseconds for the few settings kept in them (SET_TIME_MSECS); a string is doveconf's complaint. */
function readTime(value: string, msecs: boolean): bigint | string {
  const read = leadingNumber(value);
  if (!read) return `Invalid time interval: ${value}`;
  let { num, rest } = read;
  if (rest === '' && num !== 0n) return `Time interval '${value}' is missing units (add e.g. 's' for seconds)`;
  let multiply = msecs ? 1000n : 1n;
  const unit = rest.charAt(0).toUpperCase();
  if (unit === 'S') {
    if (startsOne(rest, 'secs', 'seconds')) rest = '';
  } else if (unit === 'M') {
    multiply *= 60n;
    if (startsOne(rest, 'mins', 'minutes')) rest = '';
    else if (startsOne(rest, 'msecs', 'mseconds', 'millisecs', 'milliseconds')) {
      // A setting kept in seconds takes milliseconds only in whole seconds.
      if (!msecs && num % 1000n !== 0n) return `Milliseconds not supported for this setting: ${value}`;
      if (!msecs) num /= 1000n;
      multiply = 1n;
      rest = '';
    }
  } else if (unit === 'H') {
    multiply *= 3600n;
    if (startsOne(rest, 'hours')) rest = '';
  } else if (unit === 'D') {
    multiply *= 86400n;
    if (startsOne(rest, 'days')) rest = '';
  } else if (unit === 'W') {
    multiply *= 604800n;
    if (startsOne(rest, 'weeks')) rest = '';
  }
  if (rest !== '') return `Invalid time interval: ${value}`;
  // The limit is UINT_MAX of the setting's own unit: about 136 years in seconds, 49.7 days in milliseconds.
  return num * multiply > UINT_MAX ? `Time interval is too large: ${value}` : num * multiply;
}

const complaint = (read: bigint | string): string | undefined => (typeof read === 'string' ? read : undefined);

/** The value doveconf keeps for a size (bytes) or a time (seconds), for the checks it makes after reading; undefined where it refuses it. */
export function dovecotSize(value: string): bigint | undefined {
  const read = readSize(value);
  return typeof read === 'string' ? undefined : read;
}

export function dovecotSeconds(value: string): bigint | undefined {
  const read = readTime(value, false);
  return typeof read === 'string' ? undefined : read;
}

function mode(value: string): string | undefined {
  if (!value.startsWith('0')) return number(value);
  return /^[0-7]+$/.test(value) && BigInt(`0o${value}`) <= UINTMAX_MAX ? undefined : `Invalid number: ${value}`;
}

function port(value: string): string | undefined {
  return /^\d+$/.test(value) && BigInt(value) <= 65535n ? undefined : `Invalid port number ${value}`;
}

/** doveconf's complaint about `value` for a setting of this kind, or undefined when it reads it. */
export function dovecotValueError(value: string, k: DovecotValueKind): string | undefined {
  switch (k.kind) {
    case 'enum':
      return k.values.includes(value) ? undefined : `Invalid value: ${value}`;
    case 'number':
      return number(value);
    case 'size':
      return complaint(readSize(value));
    case 'time':
      return complaint(readTime(value, false));
    case 'time_msecs':
      return complaint(readTime(value, true));
    case 'mode':
      return mode(value);
    case 'port':
      return port(value);
  }
}

/** What a learner is told to write instead, by kind. */
function nextStep(key: string, k: DovecotValueKind): Text {
  switch (k.kind) {
    case 'enum': {
      const list = k.values.join(', ');
      return text(`${key} takes one of ${list}, in lower case, as written.`, `${key} 只接受 ${list} 之一（小写，原样照写）。`);
    }
    case 'number':
      return text('Write a whole number from 0 to 4294967295, with no unit.', '请写 0 到 4294967295 之间的整数，不带单位。');
    case 'size':
      return text('Write a number with an optional unit B, k, M, G or T, e.g. "64k" or "10 M".', '请写一个数字，可带单位 B、k、M、G 或 T，例如 "64k" 或 "10 M"。');
    case 'time':
      return text('Write a number with its unit, e.g. "60s", "1 min", "2 hours", "1d" (only 0 may stand alone).', '请写数字加单位，例如 "60s"、"1 min"、"2 hours"、"1d"（只有 0 可以不带单位）。');
    case 'time_msecs':
      return text(
        `Write a number with its unit, e.g. "500 ms", "30s", "1 min" (only 0 may stand alone); ${key} is kept in milliseconds, so at most 4294967295 ms (about 49 days).`,
        `请写数字加单位，例如 "500 ms"、"30s"、"1 min"（只有 0 可以不带单位）；${key} 以毫秒计，最多 4294967295 ms（约 49 天）。`,
      );
    case 'mode':
      return text('Write the mode in octal with a leading 0, e.g. "0660".', '请用以 0 开头的八进制写权限，例如 "0660"。');
    case 'port':
      return text('Write a number from 0 to 65535.', '请写 0 到 65535 之间的数字。');
  }
}

/** The learner's line for a value doveconf refuses: what it says, that the whole file goes, and what to write. */
export function dovecotValueProblem(key: string, value: string, k: DovecotValueKind): Text | undefined {
  const complaint = dovecotValueError(value, k);
  if (complaint === undefined) return undefined;
  const next = nextStep(key, k);
  return text(
    `${key} = ${value}: doveconf refuses the whole file ("${complaint}"), even when a later line sets ${key} again. ${next.en}`,
    `${key} = ${value}：doveconf 会拒绝整个文件（"${complaint}"），即使后面又设置了一次 ${key}。${next['zh-CN']}`,
  );
}
