/**
 * Reads a JSON request body with a size limit: 413 when it is too large, 400 when it is not
 * JSON. Errors carry the bilingual message the learner's page shows.
 */
import type { IncomingMessage } from 'node:http';
import { text, type Text } from '../grading/feedback.js';

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 403 | 413,
    readonly body: Text,
  ) {
    super(body.en);
  }
}

/** Checks a request's body must pass before it is used: one another lab node signed (cluster/channel.ts). */
const bodyChecks = new WeakMap<IncomingMessage, (body: Buffer) => boolean>();

export function expectBody(req: IncomingMessage, check: (body: Buffer) => boolean): void {
  bodyChecks.set(req, check);
}

/** What a learner is told when a request is over `limit` bytes. */
export function tooLarge(limit: number): Text {
  return text(`The request is larger than ${limit / 1024} KB; shorten your answer.`, `请求超过 ${limit / 1024} KB；请缩短你的答案。`);
}

/** A request's whole body, or undefined (the rest drained unread) when it is larger than `limit`. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const body = await readBody(req, limit);
  if (!body) throw new BodyError(413, tooLarge(limit));
  if (bodyChecks.get(req)?.(body) === false) {
    throw new BodyError(403, text('Refused: this request\'s body is not the one its lab node signed.', '已拒绝：请求体与实验节点签名的内容不符。'));
  }
  const raw = body.toString('utf8');
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BodyError(400, text('The request body is not valid JSON. Send {"answer": ...} with Content-Type: application/json.', '请求体不是合法的 JSON。请以 Content-Type: application/json 发送 {"answer": ...}。'));
  }
}
