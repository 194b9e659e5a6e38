/**
 * Telling a TLS ClientHello from a TCRP request by their first bytes, so that one TCP port serves
 * both (docs/protocol.md §2.8).
 *
 * A TLS record starts with its content type and the protocol version (RFC 8446 §5.1): a
 * ClientHello is a handshake record, `0x16`, then version `0x03 0x01` to `0x03 0x03` (TLS 1.3
 * still writes `0x03 0x01` there). A TCRP request's third byte is its State, which is 0
 * (Request) in every request (§2.1): a ClientHello's third byte, the version's minor number, is
 * never 0. So the two never share their first three bytes.
 *
 * @module
 */

import { State, TCRP_STATE_OFFSET } from "./constants.ts";

/** Bytes to read before deciding: a record's content type and version. */
export const TLS_SNIFF_SIZE = 3;

/** The TLS record content type of a handshake message (RFC 8446 §5.1). */
const TLS_HANDSHAKE_RECORD = 0x16;
/** The major version byte of every TLS record (SSL 3.0 and TLS 1.0 to 1.3). */
const TLS_MAJOR_VERSION = 0x03;

/**
 * True when the first `TLS_SNIFF_SIZE` bytes of a connection start a TLS handshake rather than
 * a TCRP request.
 *
 * @example
 * ```ts
 * import { startsTlsHandshake } from "./tls_detect.ts";
 * startsTlsHandshake(new Uint8Array([0x16, 0x03, 0x01])); // true
 * startsTlsHandshake(new Uint8Array([0x16, 0x03, 0x00])); // false: a TCRP request, State 0
 * ```
 */
export function startsTlsHandshake(first: Uint8Array): boolean {
  return first.length >= TLS_SNIFF_SIZE &&
    first[0] === TLS_HANDSHAKE_RECORD &&
    first[1] === TLS_MAJOR_VERSION &&
    first[TCRP_STATE_OFFSET] !== State.Request;
}
