/**
 * Lab ports in lesson and exercise text. Authors write {{port:smtp}}; the page shows the
 * default lab port (2025) in a span that the page fills in with the running lab's own port
 * once it has asked /api/services (labPorts.ts), because the site is built once and a lab
 * may run with another --port-offset. The span keeps room for five digits, so filling it in
 * never moves the text around it.
 */
import { defaultLabPort, SERVICES } from '../../lab-server/src/services.ts';

export const PORT_TOKEN = /\{\{port:([a-z0-9-]+)\}\}/g;

export class PortTokenError extends Error {}

/** The span for one service's lab port, with the default lab port until the page fills it in. */
export function labPortHtml(serviceId: string): string {
  const info = SERVICES.find((s) => s.id === serviceId);
  if (!info) throw new PortTokenError(`{{port:${serviceId}}}: unknown service; use one of ${SERVICES.map((s) => s.id).join(', ')}`);
  return `<span class="lab-port" data-service="${info.id}">${defaultLabPort(info, 2000)}</span>`;
}

/** HTML (already escaped) with every {{port:…}} token turned into its span. */
export function expandPortTokens(html: string): string {
  return html.replace(PORT_TOKEN, (_whole, id: string) => labPortHtml(id));
}
