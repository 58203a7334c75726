/**
 * doveconf 2.3's checks of the stats sections (stats_metric_settings_check,
 * stats_exporter_settings_check, 2.3.19), in the metrics and exporters each filter sees
 * (dovecotSections.ts): a metric needs a name and a filter; an event_exporter a name, a format
 * (none, json, tab-text), a transport (drop, http-post, log) and, for json and tab-text, one
 * time-* format argument; a metric's filter is read as doveconf reads it (dovecotEventFilter.ts),
 * then its group_by. tests/unit/dovecot-checks.test.ts and dovecot-event-filters.test.ts ask the
 * real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { EVENT_FILTER_NEXT, eventFilterProblem } from './dovecotEventFilter.js';
import type { SectionProblem } from './dovecotNamespaces.js';
import { filterViews, valueIn, type DovecotSection, type DovecotSetting, type ListSection } from './dovecotSections.js';

const FORMATS = ['none', 'json', 'tab-text'];
const TRANSPORTS = ['drop', 'http-post', 'log'];
const TIME_ARGS = ['time-rfc3339', 'time-unix'];

const keep = (name: string | undefined, line: number, layers: ListSection['layers']): ListSection => ({ name, line, layers });

/** The first thing doveconf says of one exporter, and what to write. */
function exporterProblem(x: ListSection): { key: string; said: string; next: Text } | undefined {
  const get = (key: string): string => valueIn(x.layers, key)?.value ?? '';
  const name = x.name ?? '';
  if (name === '') return { key: 'event_exporter', said: "Exporter name can't be empty", next: text('Name the exporter after "event_exporter", e.g. "event_exporter log {"; metrics name it in "exporter = log".', '在 "event_exporter" 后面写上导出器的名字，例如 "event_exporter log {"；指标用 "exporter = log" 引用它。') };
  const format = get('format');
  const formats = text(`Write "format = none", "json" or "tab-text" in event_exporter ${name}.`, `在 event_exporter ${name} 里写 "format = none"、"json" 或 "tab-text"。`);
  if (format === '') return { key: 'format', said: "Exporter format name can't be empty", next: formats };
  if (!FORMATS.includes(format)) return { key: 'format', said: `Unknown exporter format '${format}'`, next: formats };
  const transport = get('transport');
  const transports = text(`Write "transport = log", "http-post" (with transport_args = the URL) or "drop" in event_exporter ${name}.`, `在 event_exporter ${name} 里写 "transport = log"、"http-post"（并用 transport_args 写出 URL）或 "drop"。`);
  if (transport === '') return { key: 'transport', said: "Exporter transport name can't be empty", next: transports };
  if (!TRANSPORTS.includes(transport)) return { key: 'transport', said: `Unknown transport type '${transport}'`, next: transports };
  let time: string | undefined;
  const args = text('format_args takes time-rfc3339 or time-unix (one of them), separated by spaces.', 'format_args 只接受 time-rfc3339 或 time-unix（二者选一），用空格分隔。');
  for (const arg of get('format_args').split(' ').filter(Boolean)) {
    if (!TIME_ARGS.includes(arg)) return { key: 'format_args', said: `Unknown exporter format arg: ${arg}`, next: args };
    if (time !== undefined && time !== arg) return { key: 'format_args', said: `Exporter '${name}' specifies multiple time format args`, next: args };
    time = arg;
  }
  if (format !== 'none' && time === undefined) return { key: 'format_args', said: `${format} exporter format requires a time-* argument`, next: text(`Add "format_args = time-rfc3339" (or time-unix) to event_exporter ${name}.`, `在 event_exporter ${name} 里加上 "format_args = time-rfc3339"（或 time-unix）。`) };
  return undefined;
}

function metricProblem(x: ListSection): { key: string; said: string; next: Text } | undefined {
  const name = x.name ?? '';
  if (name === '') return { key: 'metric', said: "Metric name can't be empty", next: text('Name the metric after "metric", e.g. "metric imap_commands {".', '在 "metric" 后面写上指标的名字，例如 "metric imap_commands {"。') };
  const filter = valueIn(x.layers, 'filter')?.value ?? '';
  if (filter === '') return { key: 'filter', said: `metric ${name} { filter } is empty - will not match anything`, next: text(`Say which events metric ${name} counts, e.g. "filter = event=imap_command_finished".`, `写出指标 ${name} 统计哪些事件，例如 "filter = event=imap_command_finished"。`) };
  const parsed = eventFilterProblem(filter);
  if (parsed) return { key: 'filter', said: parsed, next: text(...EVENT_FILTER_NEXT) };
  const said = groupByProblem(valueIn(x.layers, 'group_by')?.value ?? '');
  if (said === DIVIDED_BY_ZERO) return { key: 'group_by', said, next: text('doveconf does not refuse a linear step of 0: it divides by it and dies, and Dovecot does not start. Give a step above 0, e.g. "duration:linear:0:1000:100".', 'doveconf 不会拒绝步长 0：它会用 0 去除然后崩溃，Dovecot 启动不了。请写大于 0 的步长，例如 "duration:linear:0:1000:100"。') };
  if (said) return { key: 'group_by', said, next: text(`group_by names event fields, each alone or as field:discrete, field:linear:min:max:step or field:exponential:min:max:base (base 2 or 10), e.g. "group_by = cmd_name duration:exponential:1:5:10".`, `group_by 写事件的字段名，每个可以单独写，或写成 field:discrete、field:linear:最小值:最大值:步长、field:exponential:最小值:最大值:底数（底数 2 或 10），例如 "group_by = cmd_name duration:exponential:1:5:10"。`) };
  return undefined;
}

const INTMAX = 2n ** 63n;

/** What the shell says when doveconf divides by zero (SIGFPE). */
const DIVIDED_BY_ZERO = 'Floating point exception';

/** str_to_intmax: an optional "-", then digits, within 64 bits. */
const intmax = (v: string | undefined): bigint | undefined => (v !== undefined && /^-?\d+$/.test(v) && BigInt(v) < INTMAX && BigInt(v) >= -INTMAX ? BigInt(v) : undefined);

/**
 * parse_metric_group_by (stats-settings.c): fields separated by spaces, each "field" or
 * "field:function:args". A linear step of 0 passes its checks and then divides by zero: doveconf
 * dies of SIGFPE (asked of doveconf 2.3.19), which the grader says in its own words.
 */
function groupByProblem(groupBy: string): string | undefined {
  for (const word of groupBy.split(' ').filter(Boolean)) {
    const [field, func, ...args] = word.split(':');
    if (func === undefined) continue;
    if (func === 'discrete') {
      if (args.length > 0) return "group_by 'discrete' aggregate function does not take any args";
      continue;
    }
    if (func !== 'linear' && func !== 'exponential') return `unknown aggregation function '${func}' on field '${field}'`;
    const [min, max, third] = args.map(intmax);
    if (args.length !== 3 || min === undefined || max === undefined || third === undefined) return `group_by '${func}' aggregate function takes 3 int args`;
    if (min < 0n || max < 0n || third < 0n) return `group_by '${func}' aggregate function arguments must be >= 0`;
    if (min >= max) return `group_by '${func}' aggregate function min must be < max (${min} must be < ${max})`;
    if (func === 'exponential' && third !== 2n && third !== 10n) return `group_by 'exponential' aggregate function base must be one of: 2, 10 (base=${third})`;
    if (func === 'linear' && min + third > max) return `group_by 'linear' aggregate function min+step must be <= max (${min + third} must be <= ${max})`;
    if (func === 'linear' && third === 0n) return DIVIDED_BY_ZERO;
  }
  return undefined;
}

/** What doveconf says of the metrics and exporters each filter (and the top level) sees, once each. */
export function statsProblems<X extends DovecotSection>(sections: readonly X[], own: ReadonlyMap<X, ReadonlyMap<string, DovecotSetting>>): SectionProblem[] {
  const out = new Map<string, SectionProblem>();
  const kinds = [['event_exporter', exporterProblem], ['metric', metricProblem]] as const;
  for (const [kind, problemOf] of kinds) {
    for (const view of filterViews(sections, own, kind, keep)) {
      for (const x of view) {
        const p = problemOf(x);
        if (p && !out.has(p.said)) out.set(p.said, { setting: valueIn(x.layers, p.key), key: p.key, line: x.line, said: p.said, next: p.next });
      }
    }
  }
  return [...out.values()];
}
