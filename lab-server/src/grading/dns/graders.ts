/**
 * The DNS exercise graders. Each parses the learner's zone text with the exercise's origin,
 * adds the records the exercise gives, and runs the checks for what the exercise asks.
 */
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import { checkDkim, type DkimParams } from './dkim.js';
import { checkDmarc, type DmarcParams } from './dmarc.js';
import { checkMx, type MxParams } from './mx.js';
import { checkPtr, type PtrParams } from './ptr.js';
import { checkSpf, type SpfParams } from './spfCheck.js';
import { checkApex } from './zoneApex.js';
import { bare, fqdn, loadExerciseZone, type ExerciseZone } from './zoneView.js';

interface ZoneInput {
  /** The zone the learner writes in (named.conf's zone name): relative names end in it. */
  origin: string;
  /** Records the exercise provides (e.g. the A records of the mail hosts). */
  given?: string;
  givenOrigin?: string;
}

function load(answer: string, p: ZoneInput): ExerciseZone {
  return loadExerciseZone(answer, p.origin, p.given, p.givenOrigin);
}

/**
 * What stops grading early: an empty answer, or syntax errors (BIND refuses to load a zone
 * with any, so nothing in it would be served and further checks would only repeat that).
 */
function nothingWritten(zone: ExerciseZone): FeedbackLine[] {
  if (zone.answer.problems.length > 0) return zone.feedback;
  if (zone.answer.records.length > 0) return [];
  return [error('zone.empty', text('The answer contains no records.', '答案里没有任何记录。'), text('Write one record per line: name, [TTL], [IN], type, data.', '每行写一条记录：名字、[TTL]、[IN]、类型、数据。'))];
}

export async function gradeMx(answer: string, p: ZoneInput & { mx: MxParams }): Promise<FeedbackLine[]> {
  const zone = load(answer, p);
  const empty = nothingWritten(zone);
  if (empty.length) return empty;
  return [...zone.feedback, ...checkMx(zone.view, p.mx, zone.mistyped)];
}

export async function gradeSpf(answer: string, p: ZoneInput & { spf: SpfParams }): Promise<FeedbackLine[]> {
  const zone = load(answer, p);
  const empty = nothingWritten(zone);
  if (empty.length) return empty;
  return [...zone.feedback, ...(await checkSpf(zone.view, p.spf))];
}

export async function gradeDkim(answer: string, p: ZoneInput & { dkim: DkimParams }): Promise<FeedbackLine[]> {
  const zone = load(answer, p);
  const empty = nothingWritten(zone);
  if (empty.length) return empty;
  return [...zone.feedback, ...(await checkDkim(zone.view, p.dkim))];
}

export async function gradeDmarc(answer: string, p: ZoneInput & { dmarc: DmarcParams }): Promise<FeedbackLine[]> {
  const zone = load(answer, p);
  const empty = nothingWritten(zone);
  if (empty.length) return empty;
  return [...zone.feedback, ...(await checkDmarc(zone.view, p.dmarc))];
}

export async function gradePtr(answer: string, p: ZoneInput & { ptr: PtrParams }): Promise<FeedbackLine[]> {
  const zone = load(answer, p);
  const empty = nothingWritten(zone);
  if (empty.length) return empty;
  return [...zone.feedback, ...checkPtr(zone.view, p.ptr, zone.mistyped)];
}

export interface FullZoneParams extends ZoneInput {
  /** Host name -> IPv4 address that must be in the zone. */
  hosts: Record<string, string>;
  mx: MxParams;
  spf: SpfParams;
  dkim: DkimParams;
  dmarc: DmarcParams;
}

/** A whole zone: the hosts' A records, then MX, SPF, DKIM and DMARC, each checked as in its own exercise. */
export async function gradeZone(answer: string, p: FullZoneParams): Promise<FeedbackLine[]> {
  const zone = load(answer, p);
  const empty = nothingWritten(zone);
  if (empty.length) return empty;
  const lines = [...zone.feedback];
  const origin = fqdn(p.origin);
  lines.push(...checkApex(zone.view, zone.answer, origin));
  for (const [host, ip] of Object.entries(p.hosts)) {
    const addresses = zone.view.at(host, 'A').map((r) => r.address);
    if (addresses.includes(ip)) lines.push(ok('zone.a', `${bare(fqdn(host))} has the A record ${ip}.`, `${bare(fqdn(host))} 有 A 记录 ${ip}。`));
    else if (!zone.mistyped.has(`${fqdn(host)}${origin}`)) {
      lines.push(error('zone.a', text(`${bare(fqdn(host))} needs the A record ${ip}${addresses.length ? `, it has ${addresses.join(', ')}` : ''}.`, `${bare(fqdn(host))} 需要 A 记录 ${ip}${addresses.length ? `，现在是 ${addresses.join('、')}` : ''}。`), text(`Add "${fqdn(host)} IN A ${ip}".`, `添加 "${fqdn(host)} IN A ${ip}"。`)));
    }
  }
  lines.push(...checkMx(zone.view, p.mx, zone.mistyped));
  lines.push(...(await checkSpf(zone.view, p.spf)));
  lines.push(...(await checkDkim(zone.view, p.dkim)));
  lines.push(...(await checkDmarc(zone.view, p.dmarc)));
  return lines;
}
