/**
 * doveconf 2.3's checks of the stats sections (stats_metric_settings_check,
 * stats_exporter_settings_check, 2.3.19), in the metrics and exporters each filter sees
 * (dovecotSections.ts): a metric needs a name and a filter; an event_exporter a name, a format
 * (none, json, tab-text), a transport (drop, http-post, log) and, for json and tab-text, one
 * time-* format argument. Not judged: the event filter's own syntax ("event=" is a syntax error to
 * doveconf, as for log_debug) and a metric's group_by. tests/unit/dovecot-checks.test.ts asks the
 * real doveconf.
 */
import { text, type Text } from '../feedback.js';
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
  if ((valueIn(x.layers, 'filter')?.value ?? '') === '') return { key: 'filter', said: `metric ${name} { filter } is empty - will not match anything`, next: text(`Say which events metric ${name} counts, e.g. "filter = event=imap_command_finished".`, `写出指标 ${name} 统计哪些事件，例如 "filter = event=imap_command_finished"。`) };
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
