/**
 * The server side of TLS on an accepted connection: Deno has no server-side upgrade of a
 * `Deno.Conn`, so the session runs in `node:tls` over the connection (see util/tls_conn.ts).
 * Loaded at the first TLS connection (`on_demand.ts`).
 *
 * @module
 */

import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import { type ByteConn, errorMessage } from "../../util/mod.ts";
import { duplexOf, TlsConn } from "../../util/tls_conn.ts";
import { IdentityError, type ServerIdentity } from "./identity.ts";

/** Starts TLS sessions with one identity. */
export class TlsTerminator {
  /** The fingerprint of the certificate every session presents. */
  readonly fingerprint: string;
  readonly #context: SecureContext;

  /**
   * Prepares sessions presenting `identity`.
   *
   * @throws {IdentityError} when the key or certificate cannot be used (a key that does not match
   * the certificate, a format Node's TLS does not read).
   */
  constructor(identity: ServerIdentity) {
    this.fingerprint = identity.fingerprint;
    try {
      this.#context = createSecureContext({ cert: identity.cert, key: identity.key });
    } catch (error) {
      throw new IdentityError(
        `cannot use the TLS identity from ${identity.source}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * The server side of a TLS session on `conn`, whose first bytes `head` were already read. The
   * handshake runs as the session is first read; its failure fails that read.
   */
  accept(conn: ByteConn, head: Uint8Array): TlsConn {
    const socket = new TLSSocket(duplexOf(conn, head), {
      isServer: true,
      secureContext: this.#context,
    });
    return new TlsConn(socket);
  }
}
