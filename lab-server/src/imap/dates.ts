/**
 * IMAP dates: INTERNALDATE's "17-Jul-1996 02:44:25 -0700" and SEARCH's "1-Feb-1994". The lab
 * shows internal dates in UTC, so SEARCH ON/SINCE/BEFORE and INTERNALDATE agree on the day.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toLowerCase(), i]));
const DAY_MS = 86_400_000;

const two = (n: number): string => String(n).padStart(2, '0');

/** date-time for INTERNALDATE, in UTC (its year is four digits: date-year = 4DIGIT). */
export function formatInternalDate(date: Date): string {
  return `${two(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${String(date.getUTCFullYear()).padStart(4, '0')} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/**
 * Parses APPEND's date-time "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be space-padded). A day the
 * month does not have (31-Feb-2024 became 2 March), or an instant whose UTC year has no four
 * digits (31-Dec-9999 23:59:59 -1259 was shown as "01-Jan-10000", which no client can read),
 * is not a date-time.
 */
export function parseDateTime(text: string): Date | undefined {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  if (month === undefined) return undefined;
  const [day, year, h, min, s] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (day < 1 || day > 31 || h > 23 || min > 59 || s > 60) return undefined;
  const offset = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
  const date = calendarDay(year, month, day);
  if (!date) return undefined;
  date.setUTCHours(h, min, s);
  date.setTime(date.getTime() - offset * 60_000);
  const utcYear = date.getUTCFullYear();
  return utcYear >= 0 && utcYear <= 9999 ? date : undefined;
}

/**
 * Midnight UTC of a day the calendar has (not 31 February). setUTCFullYear, not Date.UTC:
 * that reads years 0 to 99 as 1900 to 1999.
 */
function calendarDay(year: number, month: number, day: number): Date | undefined {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date.getUTCDate() === day ? date : undefined;
}

/** Parses SEARCH's date "1-Feb-1994" into a day number (days since 1970-01-01). */
export function parseSearchDate(text: string): number | undefined {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) return undefined;
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  const date = month === undefined ? undefined : calendarDay(Number(m[3]), month, Number(m[1]));
  return date && Math.floor(date.getTime() / DAY_MS);
}

/** The UTC day number of an instant. */
export function dayOf(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

/**
 * The calendar day a Date: header names, as written (in the sender's own time zone, which is
 * what SENTON and friends compare, ignoring time and zone as RFC 3501 says).
 */
export function sentDay(header: string): number | undefined {
  const parts = dateParts(header);
  return parts && Math.floor(Date.UTC(parts.year, parts.month, parts.day) / DAY_MS);
}

/** Day, month, year (two-digit years as RFC 5322 §4.3 reads them), time and zone of a Date: header. */
function dateParts(header: string): { day: number; month: number; year: number; time: [number, number, number]; zone?: string } | undefined {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s*([+-]\d{4}|[A-Za-z]{1,5}))?/.exec(header);
  const month = m ? MONTH_INDEX.get(m[2]!.toLowerCase()) : undefined;
  if (!m || month === undefined) return undefined;
  let year = Number(m[3]);
  if (year < 50) year += 2000;
  else if (year < 1000) year += 1900;
  // A day the month does not have (32 Jun) is no date, as in Dovecot: not the 2nd of July.
  const day = Number(m[1]);
  if (day < 1 || day > new Date(Date.UTC(year, month + 1, 0)).getUTCDate()) return undefined;
  return { day, month, year, time: [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)], zone: m[7] };
}

/** A SEARCH date for help texts: today as "1-Sep-2026". */
export function exampleDate(date = new Date()): string {
  return `${date.getUTCDate()}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()}`;
}

/** Zones RFC 5322 §4.3 still allows by name, in minutes east of UTC. */
const NAMED_ZONES: Record<string, number> = { UT: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/**
 * The instant a Date: header names, in ms since the epoch (RFC 5256 §2.2 "sent date"): an
 * unknown zone counts as UTC, a missing time as midnight. Undefined when no date can be read.
 */
export function parseSentDate(header: string): number | undefined {
  const parts = dateParts(header);
  if (!parts) return undefined;
  // A time that cannot be is midnight (RFC 5256 §2.2).
  const [h, min, s] = parts.time[0] > 23 || parts.time[1] > 59 || parts.time[2] > 60 ? [0, 0, 0] : parts.time;
  const zone = parts.zone;
  const offset = zone === undefined ? 0 : /^[+-]/.test(zone) ? (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3))) * (zone[0] === '-' ? -1 : 1) : (NAMED_ZONES[zone.toUpperCase()] ?? 0);
  return Date.UTC(parts.year, parts.month, parts.day, h, min, s) - offset * 60_000;
}
