/**
 * The port table (lessons and the lab page): each mail service, its standard and lab port,
 * its encryption and purpose, whether it is up, and a button that opens a terminal to it.
 * It is built into the page with the default ports, so it is there at first paint; the page
 * then fills in what the running lab reports (enhancePortTable), in place and without moving
 * anything. On a phone each row becomes a card (global.css).
 */
import { defaultLabPort, SERVICES } from '../../lab-server/src/services.ts';
import { t, type Lang } from '../i18n/ui';
import type { ServiceRow } from '../components/services';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function encryption(lang: Lang, s: { tls: string; protocol: string }): string {
  if (s.tls === 'implicit') return t(lang, 'implicit');
  return s.protocol === 'pop3' ? t(lang, 'stls') : t(lang, 'starttls');
}

/** The table as HTML, with the default lab ports and the buttons off until the lab answers. */
export function portTableHtml(lang: Lang): string {
  const heads = ['service', 'standardPort', 'labPort', 'encryption', 'purpose', 'security', 'status'] as const;
  const head = heads.map((k) => `<th scope="col">${esc(t(lang, k))}</th>`).join('') + `<th scope="col"><span class="visually-hidden">${esc(t(lang, 'openTerminal'))}</span></th>`;
  const cell = (key: (typeof heads)[number], html: string): string => `<td data-label="${esc(t(lang, key))}">${html}</td>`;
  const rows = SERVICES.map(
    (s) =>
      `<tr data-service="${s.id}"><th scope="row">${s.id}</th>` +
      cell('standardPort', String(s.standardPort)) +
      cell('labPort', `<span class="lab-port" data-service="${s.id}">${defaultLabPort(s, 2000)}</span>`) +
      cell('encryption', esc(encryption(lang, s))) +
      cell('purpose', esc(s.purpose[lang])) +
      cell('security', esc(s.tls === 'implicit' ? t(lang, 'securityHigh') : t(lang, 'securityUpgrade'))) +
      cell('status', `<span class="service-status">…</span>`) +
      `<td><button type="button" class="open-service" data-open-service="${s.id}" disabled aria-label="${esc(`${t(lang, 'openTerminal')}: ${s.id}`)}">${esc(t(lang, 'openTerminal'))}</button></td></tr>`,
  ).join('');
  return `<div class="port-table" data-port-table><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

/**
 * Shows what the running lab reports: its ports, which services listen, and turns the
 * buttons on (unless `canOpen` is false: a visitor who must log in first). A service this
 * lab does not run keeps its row, marked down.
 */
export function enhancePortTable(root: HTMLElement, lang: Lang, services: ServiceRow[], canOpen = true): void {
  for (const row of root.querySelectorAll<HTMLTableRowElement>('tr[data-service]')) {
    const s = services.find((x) => x.id === row.dataset.service);
    const port = row.querySelector<HTMLElement>('.lab-port');
    if (port && s) port.textContent = String(s.labPort);
    const status = row.querySelector<HTMLElement>('.service-status')!;
    status.textContent = s?.listening ? `● ${t(lang, 'listening')}` : `○ ${t(lang, 'down')}`;
    status.classList.toggle('up', Boolean(s?.listening));
    const button = row.querySelector<HTMLButtonElement>('button[data-open-service]')!;
    button.disabled = !s || !canOpen;
  }
  root.dataset.mounted = 'true';
}
