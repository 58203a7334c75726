/**
 * What a terminal page sends the bridge, read: a line to pass on to the service, a request to
 * close, or what is wrong with it, said to the learner in both languages.
 */
export type Bilingual = { en: string; 'zh-CN': string };

export type PageMessage = { kind: 'line'; text: string } | { kind: 'close' } | { kind: 'error'; message: Bilingual };

export function readPageMessage(raw: string, isBinary: boolean, maxLineLength: number): PageMessage {
  let msg: { type?: unknown; text?: unknown } = {};
  try {
    // JSON that is no object (null, 1, "x") is as unknown as no JSON at all.
    const parsed = isBinary ? undefined : (JSON.parse(raw) as unknown);
    if (parsed && typeof parsed === 'object') msg = parsed;
  } catch {
    // Not JSON: answered below like any message the bridge does not understand.
  }
  if (msg.type === 'close') return { kind: 'close' };
  if (msg.type !== 'line' || typeof msg.text !== 'string') {
    return { kind: 'error', message: { en: 'The terminal sent a message the bridge does not understand. Reload the page.', 'zh-CN': '终端发送了无法识别的消息，请刷新页面。' } };
  }
  if (msg.text.length > maxLineLength || /[\r\n]/.test(msg.text)) {
    return {
      kind: 'error',
      message: {
        en: `Line not sent: a line may hold at most ${maxLineLength} characters and no line breaks. Split it into shorter lines.`,
        'zh-CN': `这一行没有发送：每行最多 ${maxLineLength} 个字符，且不能包含换行。请拆成较短的几行。`,
      },
    };
  }
  return { kind: 'line', text: msg.text };
}
