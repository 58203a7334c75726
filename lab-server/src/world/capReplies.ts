/**
 * What a mail server answers a connection over a cap (net/connectionCaps.ts): too many from
 * the client's address, or too many to the lab in all; and a STARTTLS over the address's
 * rate of new TLS sessions (net/newTlsSessions.ts). Protocol replies are ASCII, so the
 * servers send the English words; the browser terminal recognizes them and explains them in
 * zh-CN and en. A leaf: the site imports it.
 */
import type { Text } from '../feedbackLine.js';

export type CapReached = 'address' | 'total';

/** The refusal's words, with the cap that was reached. */
export function connectionsCapped(reached: CapReached, atMost: number): Text {
  return reached === 'address'
    ? {
        en: `Too many connections from your address (at most ${atMost} to this port). Close some, then try again`,
        'zh-CN': `来自你的地址的连接太多了（这个端口最多 ${atMost} 个）。请关闭一些连接，然后再试。`,
      }
    : {
        en: `Too many connections to the lab right now (at most ${atMost}). Try again in a minute`,
        'zh-CN': `实验室当前的连接太多了（最多 ${atMost} 个）。请一分钟后再试。`,
      };
}

/** Both languages of a reply line that carries a cap refusal; undefined for any other line. */
export function connectionsCappedWords(line: string): Text | undefined {
  const m = /Too many connections (from your address|to the lab right now) \(at most (\d+)/.exec(line);
  return m ? connectionsCapped(m[1] === 'from your address' ? 'address' : 'total', Number(m[2])) : undefined;
}

/** A STARTTLS refused because the address started too many TLS handshakes this minute. */
export function tooManyTlsSessions(perMinute: number, seconds: number): Text {
  return {
    en: `Too many new TLS sessions from your address (at most ${perMinute} a minute). Wait ${seconds} s, then connect again`,
    'zh-CN': `来自你的地址的新 TLS 会话太多了（每分钟最多 ${perMinute} 个）。请等待 ${seconds} 秒，然后重新连接。`,
  };
}

/** Both languages of a reply line that carries tooManyTlsSessions; undefined for any other line. */
export function tooManyTlsSessionsWords(line: string): Text | undefined {
  const m = /Too many new TLS sessions from your address \(at most (\d+) a minute\)\. Wait (\d+) s/.exec(line);
  return m ? tooManyTlsSessions(Number(m[1]), Number(m[2])) : undefined;
}
