/**
 * Reads a JSON request body with a size limit: 413 when it is too large, 400 when it is not
 * JSON. Errors carry the bilingual message the learner's page shows.
 */
import type { IncomingMessage } from 'node:http';
import { text, type Text } from '../grading/feedback.js';

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly body: Text,
  ) {
    super(body.en);
  }
}

export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = new BodyError(413, text(`The request is larger than ${limit / 1024} KB; shorten your answer.`, `请求超过 ${limit / 1024} KB；请缩短你的答案。`));
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge;
    }
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BodyError(400, text('The request body is not valid JSON. Send {"answer": ...} with Content-Type: application/json.', '请求体不是合法的 JSON。请以 Content-Type: application/json 发送 {"answer": ...}。'));
  }
}
