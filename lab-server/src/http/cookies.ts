/**
 * The lab's session cookies: the learner's (a year, SameSite=Lax, so a join link opened from
 * another site still finds the learner) and the instructor's (twelve hours, INSTRUCTOR_SESSION_SECONDS, which the server holds to as well; SameSite=Strict),
 * both httpOnly. When the public URL is https they are Secure and carry the __Host- prefix:
 * the browser then sends them only over https, and no other site on the same domain, nor any
 * plain-http page, can set or overwrite them.
 */
import type { IncomingMessage } from 'node:http';
import { INSTRUCTOR_SESSION_SECONDS } from '../store/browserSessions.js';

const ONE_YEAR = 365 * 24 * 3600;

function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export class SessionCookies {
  private readonly learnerName: string;
  private readonly instructorName: string;
  private readonly flags: string;

  constructor(secure: boolean) {
    const prefix = secure ? '__Host-' : '';
    this.learnerName = `${prefix}maillab_learner`;
    this.instructorName = `${prefix}maillab_instructor`;
    this.flags = `Path=/; HttpOnly${secure ? '; Secure' : ''}`;
  }

  /** Secure cookies when the lab's public URL is https. */
  static forPublicUrl(publicUrl: string | undefined): SessionCookies {
    return new SessionCookies(publicUrl?.startsWith('https:') ?? false);
  }

  learnerToken(req: IncomingMessage): string | undefined {
    return readCookie(req, this.learnerName);
  }

  instructorToken(req: IncomingMessage): string | undefined {
    return readCookie(req, this.instructorName);
  }

  /** Set-Cookie values. */
  learner(token: string): string {
    return `${this.learnerName}=${encodeURIComponent(token)}; ${this.flags}; SameSite=Lax; Max-Age=${ONE_YEAR}`;
  }

  instructor(token: string): string {
    return `${this.instructorName}=${encodeURIComponent(token)}; ${this.flags}; SameSite=Strict; Max-Age=${INSTRUCTOR_SESSION_SECONDS}`;
  }

  clearLearner(): string {
    return `${this.learnerName}=; ${this.flags}; SameSite=Lax; Max-Age=0`;
  }

  clearInstructor(): string {
    return `${this.instructorName}=; ${this.flags}; SameSite=Lax; Max-Age=0`;
  }
}
