/**
 * Builds the strings a learner types to log in by hand: SASL PLAIN (RFC 4616) is base64 of
 * "\0user\0password"; AUTH LOGIN sends base64 of the user, then of the password.
 */

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export interface AuthStrings {
  /** One line for SMTP/POP3: AUTH PLAIN <base64> */
  plain: string;
  /** What the base64 above encodes, with the NULs shown as \0. */
  plainDecoded: string;
  /** The lines for AUTH LOGIN, after the server's 334 prompts. */
  login: [user: string, password: string];
  /** For IMAP: AUTHENTICATE PLAIN with the same base64 (SASL-IR). */
  imapPlain: string;
}

export function authStrings(user: string, password: string): AuthStrings {
  const plain = base64(`\0${user}\0${password}`);
  return {
    plain: `AUTH PLAIN ${plain}`,
    plainDecoded: `\\0${user}\\0${password}`,
    login: [base64(user), base64(password)],
    imapPlain: `a1 AUTHENTICATE PLAIN ${plain}`,
  };
}
