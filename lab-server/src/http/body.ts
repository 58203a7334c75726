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

/**
 * What a route takes, as the messages name it: `{"answer": ...}`, `{"text": "..."}` (the same in
 * both languages), or a description. Each route names its own, so a refusal says what to send there.
 */
export type BodyShape = Text;

/** A body given as a JSON sketch, the same in every language. */
export const jsonShape = (sketch: string): BodyShape => text(sketch, sketch);

/** What a route that takes any JSON object says it takes. */
export const JSON_OBJECT = text('a JSON object', 'JSON 对象');

/** What a learner is told when a request is over `limit` bytes: a shorter `shape`, or less of whatever it carries. */
export function tooLarge(limit: number, shape?: BodyShape): Text {
  const kb = limit / 1024;
  if (!shape) return text(`The request is larger than ${kb} KB; send less with it.`, `请求超过 ${kb} KB；请减少随请求发送的内容。`);
  return text(`The request is larger than ${kb} KB; send a shorter ${shape.en}.`, `请求超过 ${kb} KB；请发送更短的${shape['zh-CN']}。`);
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

/**
 * Deeper than this, a body is refused before it is parsed: what reads an answer (a grader,
 * JSON.stringify when it is recorded) recurses, and 10,000 levels overflowed the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** How deep objects and arrays nest in JSON text (brackets inside strings do not count). */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** The request's body as JSON; a refusal (BodyError) names `shape`, what this route takes. */
export async function readJson(req: IncomingMessage, shape: BodyShape, limit = MAX_BODY_BYTES): Promise<unknown> {
  const body = await readBody(req, limit);
  if (!body) throw new BodyError(413, tooLarge(limit, shape));
  if (bodyChecks.get(req)?.(body) === false) {
    throw new BodyError(403, text('Refused: this request\'s body is not the one its lab node signed.', '已拒绝：请求体与实验节点签名的内容不符。'));
  }
  const raw = body.toString('utf8');
  if (nestingDepth(raw) > MAX_JSON_DEPTH) {
    throw new BodyError(400, text(`The request body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; nothing the lab takes needs that many. Send ${shape.en}, flatter.`, `请求体中的对象或数组嵌套超过 ${MAX_JSON_DEPTH} 层；实验室接收的内容都不需要这么深。请发送更扁平的${shape['zh-CN']}。`));
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BodyError(400, text(`The request body is not valid JSON. Send ${shape.en} with Content-Type: application/json.`, `请求体不是合法的 JSON。请以 Content-Type: application/json 发送${shape['zh-CN']}。`));
  }
}
