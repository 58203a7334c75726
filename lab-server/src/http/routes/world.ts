/**
 * The mail world's API, always for the requester's own sandbox (single-learner mode: the
 * default sandbox):
 *
 *   GET  /api/zones                          the sandbox's zones
 *   GET  /api/zones/:name                    one zone file's text
 *   PUT  /api/zones/:name     {text}         check it as named-checkzone would, save it, serve it (429 while 4 wait)
 *   POST /api/zones/:name/apply     {text}   "apply to my lab": an exercise's records replace those sets in the zone
 *   POST /api/zones/:name/restore            put the zone back as the sandbox started with it
 *   GET  /api/dig?name=&type=                one question to the lab DNS, shown as dig shows it
 *   GET  /api/world                          the two mail servers: address, port, running, queue
 *   POST /api/world/mtas/:domain/:action     stop | start a mail server
 *   GET  /api/queue                          mailq: every queued message of both servers
 *   POST /api/queue/flush                    postqueue -f: retry everything now
 *   GET  /api/logs?host=&lines=              the servers' logs (Postfix style)
 *   GET  /api/auth-reports                   received messages and their SPF/DKIM/DMARC results
 *   GET  /api/auth-reports/:id               one message's checks, step by step
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyRecords } from '../../dns/applyRecords.js';
import { DigInputError, dig } from '../../dns/dig.js';
import { ZoneSavesWaiting } from '../../dns/labDns.js';
import { checkZone } from '../../dns/zoneCheck.js';
import { parseZone } from '../../grading/dns/zoneFile.js';
import { text } from '../../grading/feedback.js';
import { formatMailq } from '../../mta/mailq.js';
import type { MailWorld } from '../../mta/mailWorld.js';
import { listAuthReports, readAuthReport } from '../../world/authReports.js';
import { LAB_MTAS, mtaByDomain } from '../../world/network.js';
import type { Sandbox } from '../../world/sandbox.js';
import type { Sandboxes } from '../../world/sandboxes.js';
import { REVERSE_ZONE } from '../../world/seedZones.js';
import { readZoneText, zoneName, zoneNames } from '../../world/zoneStore.js';
import { BodyError, jsonShape, readJson } from '../body.js';
import { sendJson, type Route } from '../server.js';

/** What the zone routes take: the zone file, or the records, as text. */
const TEXT_BODY = jsonShape('{"text": "..."}');

export interface WorldRouteDeps {
  world: MailWorld;
  sandboxes: Sandboxes;
  /** Whose sandbox a request works in (the same rule as the terminals'). */
  requester: (req: IncomingMessage) => Promise<{ sandboxId: string } | undefined>;
}

type Handler = (sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>) => Promise<void>;

const NO_ZONE = (name: string) =>
  text(`Your lab has no zone "${name}". Its zones are example.com, otherdomain.com and ${REVERSE_ZONE}.`, `你的实验环境中没有区域 "${name}"。现有区域：example.com、otherdomain.com 和 ${REVERSE_ZONE}。`);

const SAVES_WAITING = text(
  'Not saved: your earlier zone saves are still being checked. Wait for them to finish, then save again.',
  '没有保存：你之前保存的区域还在检查中。请等它们完成后再保存一次。',
);

export function worldRoutes(deps: WorldRouteDeps): Record<string, Route> {
  /** Runs a handler in the requester's sandbox, turning known errors into learner-readable replies. */
  const inSandbox =
    (handler: Handler): Route =>
    async (req, res, url, params) => {
      const who = await deps.requester(req).catch(() => undefined);
      if (!who) return sendJson(res, 401, { error: text('Log in to the lab first, then reload this page.', '请先登录实验室，然后刷新页面。') });
      let sandbox: Sandbox;
      try {
        sandbox = await deps.sandboxes.get(who.sandboxId);
      } catch {
        return sendJson(res, 404, { error: text('Your lab sandbox is not available. Reload the page.', '你的实验沙箱不可用，请刷新页面。') });
      }
      try {
        await handler(sandbox, req, res, url, params);
      } catch (err) {
        if (err instanceof BodyError) return sendJson(res, err.status, { error: err.body });
        if (err instanceof DigInputError) return sendJson(res, 400, { error: err.body });
        if (err instanceof ZoneSavesWaiting) {
          res.setHeader('retry-after', '2');
          return sendJson(res, 429, { error: SAVES_WAITING });
        }
        throw err;
      }
    };

  const mtaView = async (sandbox: Sandbox) =>
    (await deps.world.mtas(sandbox)).map((m) => ({
      domain: m.identity.domain,
      host: m.identity.host,
      address: m.identity.address,
      service: m.identity.serviceId,
      running: m.running,
      queued: m.list().length,
    }));

  return {
    'GET /api/zones': inSandbox(async (sandbox, _req, res) => {
      await deps.world.dns.authority(sandbox);
      sendJson(res, 200, { zones: (await zoneNames(sandbox)).map((name) => ({ name, reverse: name.endsWith('.arpa') })) });
    }),

    'GET /api/zones/:name': inSandbox(async (sandbox, _req, res, _url, params) => {
      await deps.world.dns.authority(sandbox);
      const zone = zoneName(params.name ?? '');
      const source = zone ? await readZoneText(sandbox, zone) : undefined;
      if (!zone || source === undefined) return sendJson(res, 404, { error: NO_ZONE(params.name ?? '') });
      sendJson(res, 200, { name: zone, text: source });
    }),

    'PUT /api/zones/:name': inSandbox(async (sandbox, req, res, _url, params) => {
      await deps.world.dns.authority(sandbox);
      const zone = zoneName(params.name ?? '');
      if (!zone || !(await zoneNames(sandbox)).includes(zone)) return sendJson(res, 404, { error: NO_ZONE(params.name ?? '') });
      const body = (await readJson(req, TEXT_BODY)) as { text?: unknown } | null;
      if (!body || typeof body.text !== 'string') {
        return sendJson(res, 400, { error: text('Send the zone file as {"text": "..."}.', '请以 {"text": "..."} 的形式发送区域文件。') });
      }
      const check = await deps.world.dns.saveZone(sandbox, zone, body.text);
      if (!check.ok) {
        return sendJson(res, 422, {
          saved: false,
          error: text('The zone was not saved: BIND would refuse to load it. Fix the lines listed below and save again.', '区域没有保存：BIND 会拒绝加载它。请修正下面列出的行，再保存。'),
          feedback: check.feedback,
        });
      }
      sendJson(res, 200, { saved: true, name: zone, records: check.parsed.records.length, feedback: check.feedback });
    }),

    'POST /api/zones/:name/apply': inSandbox(async (sandbox, req, res, _url, params) => {
      await deps.world.dns.authority(sandbox);
      const zone = zoneName(params.name ?? '');
      const current = zone ? await readZoneText(sandbox, zone) : undefined;
      if (!zone || current === undefined) return sendJson(res, 404, { error: NO_ZONE(params.name ?? '') });
      const body = (await readJson(req, TEXT_BODY)) as { text?: unknown } | null;
      if (!body || typeof body.text !== 'string') {
        return sendJson(res, 400, { error: text('Send the records as {"text": "..."}.', '请以 {"text": "..."} 的形式发送记录。') });
      }
      const answer = parseZone(body.text, { origin: `${zone}.` });
      if (answer.problems.length > 0 || answer.records.length === 0) {
        return sendJson(res, 422, {
          applied: false,
          error: text('These records cannot be applied: fix the answer first (the exercise\'s "Check" lists what is wrong).', '这些记录无法应用：请先修正答案（练习的"检查"会列出问题）。'),
          feedback: checkZone(zone, body.text).feedback.filter((f) => f.code === 'zone.syntax'),
        });
      }
      const merged = applyRecords(current, zone, body.text);
      const check = await deps.world.dns.saveZone(sandbox, zone, merged.text);
      if (!check.ok) {
        return sendJson(res, 422, {
          applied: false,
          error: text(`Applied to ${zone}, the zone would not load, so nothing was changed. Fix the lines listed below.`, `应用到 ${zone} 后区域将无法加载，因此没有做任何修改。请修正下面列出的问题。`),
          feedback: check.feedback,
        });
      }
      sendJson(res, 200, { applied: true, name: zone, replaced: merged.replaced, added: merged.added, feedback: check.feedback, text: merged.text });
    }),

    'POST /api/zones/:name/restore': inSandbox(async (sandbox, _req, res, _url, params) => {
      const zone = zoneName(params.name ?? '') ?? '';
      if (!(await deps.world.dns.restoreZone(sandbox, zone))) return sendJson(res, 404, { error: NO_ZONE(params.name ?? '') });
      sendJson(res, 200, { restored: true, name: zone, text: await readZoneText(sandbox, zone) });
    }),

    'GET /api/dig': inSandbox(async (sandbox, _req, res, url) => {
      const result = dig(await deps.world.dns.authority(sandbox), url.searchParams.get('name') ?? '', url.searchParams.get('type') ?? 'A', await deps.world.dns.interference(sandbox));
      sendJson(res, 200, result);
    }),

    'GET /api/world': inSandbox(async (sandbox, _req, res) => {
      sendJson(res, 200, { sandbox: sandbox.id, mtas: await mtaView(sandbox) });
    }),

    'POST /api/world/mtas/:domain/:action': inSandbox(async (sandbox, _req, res, _url, params) => {
      const identity = mtaByDomain(params.domain ?? '');
      if (!identity) {
        const names = LAB_MTAS.map((m) => m.domain).join(', ');
        return sendJson(res, 404, { error: text(`No mail server for "${params.domain}". Choose ${names}.`, `没有 "${params.domain}" 的邮件服务器。可选：${names}。`) });
      }
      if (params.action !== 'stop' && params.action !== 'start') {
        return sendJson(res, 404, { error: text('Use .../stop or .../start.', '请使用 .../stop 或 .../start。') });
      }
      await deps.world.setRunning(sandbox, identity.domain, params.action === 'start');
      sendJson(res, 200, { mtas: await mtaView(sandbox) });
    }),

    'GET /api/queue': inSandbox(async (sandbox, _req, res) => {
      const mtas = await deps.world.mtas(sandbox);
      const entries = mtas.flatMap((m) => m.list().map((e) => ({ ...e, host: m.identity.host, active: m.isActive(e.id) })));
      sendJson(res, 200, { entries, mailq: Object.fromEntries(mtas.map((m) => [m.identity.host, formatMailq(m.list().map((e) => ({ ...e, active: m.isActive(e.id) })))])) });
    }),

    'POST /api/queue/flush': inSandbox(async (sandbox, _req, res) => {
      for (const m of await deps.world.mtas(sandbox)) if (m.running) m.flush();
      sendJson(res, 200, { flushed: true });
    }),

    'GET /api/logs': inSandbox(async (sandbox, _req, res, url) => {
      const lines = Math.min(1000, Math.max(1, Number(url.searchParams.get('lines')) || 200));
      const wanted = url.searchParams.get('host');
      const mtas = (await deps.world.mtas(sandbox)).filter((m) => !wanted || m.identity.host === wanted);
      const logs = await Promise.all(mtas.map(async (m) => ({ host: m.identity.host, lines: await m.log.tail(lines) })));
      sendJson(res, 200, { logs });
    }),

    'GET /api/auth-reports': inSandbox(async (sandbox, _req, res) => {
      const reports = await listAuthReports(sandbox);
      sendJson(res, 200, {
        reports: reports.map((r) => ({ id: r.id, receivedAt: r.receivedAt, host: r.host, envelopeFrom: r.envelopeFrom, recipients: r.recipients, subject: r.subject, spf: r.spf, dkim: r.dkim, dmarc: r.dmarc, outcome: r.outcome })),
      });
    }),

    'GET /api/auth-reports/:id': inSandbox(async (sandbox, _req, res, _url, params) => {
      const report = await readAuthReport(sandbox, params.id ?? '');
      if (!report) return sendJson(res, 404, { error: text('No such message report. Pick a message from the list.', '没有这条邮件报告。请从列表中选择一封邮件。') });
      sendJson(res, 200, report);
    }),
  };
}
