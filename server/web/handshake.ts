/**
 * The WebSocket opening handshake, server side (RFC 6455 §4.2): which upgrade requests are
 * accepted, the `Sec-WebSocket-Accept` value, and the `Origin` rule that keeps other sites' pages
 * from opening the endpoint in a visitor's browser.
 *
 * @module
 */

import { hasToken, type RequestHead } from "./http_request.ts";

/** The GUID every accept value is derived with (RFC 6455 §1.3). */
const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** The only protocol version (RFC 6455 §4.1). */
export const WEBSOCKET_VERSION = "13";
/** A key is 16 random bytes in base64: 24 characters. */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/** Why an upgrade request is refused, with the HTTP status it gets. */
export interface Refusal {
  /** 400, 403 or 426. */
  readonly status: number;
  /** One sentence, sent as the body. */
  readonly reason: string;
  /** Header fields the answer must carry, as `Name: value`. */
  readonly headers?: readonly string[];
}

/**
 * Checks an upgrade request: a GET with `Upgrade: websocket`, `Connection: Upgrade`, version 13
 * and a key, from an allowed origin. Returns its key, or why it is refused.
 */
export function checkUpgrade(
  head: RequestHead,
  secure: boolean,
  allowedOrigins: readonly string[],
): { key: string } | Refusal {
  const headers = head.headers;
  if (
    head.method !== "GET" || !hasToken(headers.get("upgrade"), "websocket") ||
    !hasToken(headers.get("connection"), "upgrade")
  ) {
    return { status: 400, reason: "not a WebSocket upgrade request" };
  }
  if (headers.get("sec-websocket-version") !== WEBSOCKET_VERSION) {
    // RFC 6455 §4.2.2: a refused version is answered with the versions spoken.
    return {
      status: 426,
      reason: "only WebSocket version 13 is spoken",
      headers: [`Sec-WebSocket-Version: ${WEBSOCKET_VERSION}`],
    };
  }
  const key = headers.get("sec-websocket-key") ?? "";
  if (!KEY_PATTERN.test(key)) return { status: 400, reason: "bad Sec-WebSocket-Key" };
  if (!originAllowed(headers.get("origin"), headers.get("host"), secure, allowedOrigins)) {
    return { status: 403, reason: "origin not allowed" };
  }
  return { key };
}

/**
 * A `Host` that names an address rather than a DNS name: an IPv4 literal, a bracketed IPv6
 * literal or `localhost`, with an optional port.
 */
const ADDRESS_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|localhost)(?::\d{1,5})?$/i;

/**
 * True when a page of `origin` may open the endpoint: the page's own origin (the scheme this
 * connection speaks and the `Host` it asked for) when that host is an address, or one of
 * `allowed` (`--web-allowed-origin`). A page served under a DNS name must be allowed by name:
 * otherwise a page of any domain whose name an attacker points at this server's address (DNS
 * rebinding) would be "its own origin". A request without `Origin` is not from a browser page
 * (browsers always send it on a WebSocket upgrade), and is refused too: nothing but the page needs
 * the endpoint.
 *
 * @example
 * ```ts
 * originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", false, []); // true
 * originAllowed("https://evil.example", "127.0.0.1:8080", false, []); // false
 * originAllowed("http://evil.example:8080", "evil.example:8080", false, []); // false
 * ```
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  secure: boolean,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return false;
  const wanted = origin.toLowerCase();
  if (
    host !== undefined && ADDRESS_HOST.test(host) &&
    wanted === `${secure ? "https" : "http"}://${host.toLowerCase()}`
  ) {
    return true;
  }
  return allowed.some((entry) => entry.toLowerCase() === wanted);
}

/**
 * The `Sec-WebSocket-Accept` value for `key`: base64 of SHA-1(key + GUID).
 *
 * @example
 * ```ts
 * await acceptValue("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" (RFC 6455 §1.3)
 * ```
 */
export async function acceptValue(key: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode(key + WEBSOCKET_GUID),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}
