/**
 * Session tokens: what a member shows in every datagram after TCRP gave it one.
 *
 * @module
 */

/** Random bytes in a token (§2.5); base64url makes 22 characters of them. */
export const TOKEN_RANDOM_BYTES = 16;

/** Makes a new token string. Injectable so tests can force collisions or known values. */
export type TokenGenerator = () => string;

/**
 * The default generator: 16 bytes from `crypto.getRandomValues`, base64url without padding.
 *
 * @example
 * ```ts
 * randomToken().length; // 22
 * ```
 */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_RANDOM_BYTES));
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * The first characters of a token, safe to log: a whole token in a log would let anyone who
 * reads the log speak as that member.
 */
export function tokenPrefix(token: string): string {
  return `${token.slice(0, LOGGED_TOKEN_CHARS)}…`;
}

/** How many characters of a token may appear in a log line. */
export const LOGGED_TOKEN_CHARS = 4;
