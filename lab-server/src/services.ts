/**
 * The lab's services: what each one is, its standard port and how it uses TLS. A lab port is
 * the standard port plus the offset (25 -> 2025 with the default offset 2000).
 */

export type ServiceId = 'smtp' | 'submission' | 'submissions' | 'pop3' | 'pop3s' | 'imap' | 'imaps' | 'smtp-otherdomain';
export type TlsMode = 'starttls' | 'implicit';

export interface ServiceInfo {
  id: ServiceId;
  protocol: 'smtp' | 'pop3' | 'imap';
  standardPort: number;
  tls: TlsMode;
  /** One line for the port table. */
  purpose: { en: string; 'zh-CN': string };
  /**
   * Added to standard port + offset. Two lab hosts both listen on port 25 in the lab world
   * (mail.example.com and mail.otherdomain.com); on this one machine the second one needs
   * another port: 25 + 2000 + 1 = 2026.
   */
  labPortDelta?: number;
}

export const SERVICES: readonly ServiceInfo[] = [
  { id: 'smtp', protocol: 'smtp', standardPort: 25, tls: 'starttls', purpose: { en: 'SMTP between servers (MX), no AUTH', 'zh-CN': '服务器之间的 SMTP（MX），不认证' } },
  { id: 'submission', protocol: 'smtp', standardPort: 587, tls: 'starttls', purpose: { en: 'mail submission: STARTTLS, then AUTH', 'zh-CN': '邮件提交：先 STARTTLS，再 AUTH' } },
  { id: 'submissions', protocol: 'smtp', standardPort: 465, tls: 'implicit', purpose: { en: 'mail submission over implicit TLS (RFC 8314)', 'zh-CN': '隐式 TLS 的邮件提交（RFC 8314）' } },
  { id: 'pop3', protocol: 'pop3', standardPort: 110, tls: 'starttls', purpose: { en: 'POP3, STLS to encrypt', 'zh-CN': 'POP3，用 STLS 加密' } },
  { id: 'pop3s', protocol: 'pop3', standardPort: 995, tls: 'implicit', purpose: { en: 'POP3 over implicit TLS', 'zh-CN': '隐式 TLS 的 POP3' } },
  { id: 'imap', protocol: 'imap', standardPort: 143, tls: 'starttls', purpose: { en: 'IMAP, STARTTLS to encrypt', 'zh-CN': 'IMAP，用 STARTTLS 加密' } },
  { id: 'imaps', protocol: 'imap', standardPort: 993, tls: 'implicit', purpose: { en: 'IMAP over implicit TLS', 'zh-CN': '隐式 TLS 的 IMAP' } },
  {
    id: 'smtp-otherdomain',
    protocol: 'smtp',
    standardPort: 25,
    tls: 'starttls',
    labPortDelta: 1,
    purpose: { en: "mail.otherdomain.com's SMTP (the other domain's MX), no AUTH", 'zh-CN': 'mail.otherdomain.com 的 SMTP（另一个域的 MX），不认证' },
  },
];

export interface RunningService extends ServiceInfo {
  port: number;
  /** True while the listener accepts connections. */
  listening: () => boolean;
}

/** The lab port a service listens on by default: standard port + offset (+ its delta). */
export function defaultLabPort(info: ServiceInfo, portOffset: number): number {
  return info.standardPort + portOffset + (info.labPortDelta ?? 0);
}

