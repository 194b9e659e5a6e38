/**
 * The request head of an HTTP/1.1 request (RFC 9112 §2–§5), as the web port reads it: request
 * line and header fields, nothing more (the web port reads no body). Pure: text in, fields out.
 *
 * @module
 */

/** A parsed request head. */
export interface RequestHead {
  /** `GET`, `HEAD`… as sent. */
  readonly method: string;
  /** The path of the request target, without its query. */
  readonly path: string;
  /** Header fields by lower-case name; a repeated field's values joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
}

const CRLF = "\r\n";
const HTTP_1 = /^HTTP\/1\.[01]$/;
/** A token (RFC 9110 §5.6.2): a field name or a method. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a request head (the text up to and without the blank line); null when it is not an
 * HTTP/1.x request head, or a line of it ends otherwise than in CR LF (RFC 9112 §2.2).
 *
 * @example
 * ```ts
 * parseRequestHead("GET /ws?x=1 HTTP/1.1\r\nHost: a")?.path; // "/ws"
 * ```
 */
export function parseRequestHead(text: string): RequestHead | null {
  const lines = text.split(CRLF);
  if (lines.some((line) => line.includes("\r") || line.includes("\n"))) return null;
  const parts = lines[0].split(" ");
  if (parts.length !== 3 || !TOKEN.test(parts[0]) || !HTTP_1.test(parts[2])) return null;
  const [method, target] = parts;
  if (!target.startsWith("/")) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return null;
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const earlier = headers.get(key);
    headers.set(key, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  return { method, path: target.split("?", 1)[0], headers };
}

/** True when the comma-separated `field` holds `token`, compared without case. */
export function hasToken(field: string | undefined, token: string): boolean {
  if (field === undefined) return false;
  const wanted = token.toLowerCase();
  return field.split(",").some((part) => part.trim().toLowerCase() === wanted);
}
