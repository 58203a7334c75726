/**
 * A request's target as a URL. Node's parser lets absolute-form targets through that the URL
 * standard refuses ("GET http://[ HTTP/1.1"); parsing one outside a try once stopped the lab.
 */
import type { IncomingMessage } from 'node:http';

/** The request's URL, or undefined when its target is not one. */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://lab.invalid');
  } catch {
    return undefined;
  }
}

/** What a client whose request target is no URL is told (plain text: it may not be a browser). */
export const BAD_TARGET = 'Bad Request: the request target is not a valid URL. Ask for a path such as /lab/\n错误请求：请求目标不是合法的 URL。请请求一个路径，例如 /lab/\n';
