/**
 * TLS for a server that has an identity, loaded at the first TLS connection: `node:tls` (the
 * terminator) and the sessions' crypto load Deno's node compatibility layer, about 11 MiB of
 * resident memory (docs/performance.md, "What limits … Memory"), which a server whose members
 * are all standard clients never needs.
 *
 * @module
 */

import { type ByteConn, errorMessage, type TlsConn } from "../../util/mod.ts";
import { loadSealing } from "../state/mod.ts";
import { IdentityError, type ServerIdentity } from "./identity.ts";
import type { TlsTerminator } from "./terminator.ts";

/** What the first TLS connection loads: the terminator's module (and the sessions' crypto). */
export type TlsLoader = () => Promise<typeof import("./terminator.ts")>;

/** Loads `node:tls` and the sessions' crypto, together. */
const loadTls: TlsLoader = async () => {
  const [terminator] = await Promise.all([import("./terminator.ts"), loadSealing()]);
  return terminator;
};

/** Starts TLS sessions with one identity, loading TLS at the first. */
export class TlsOnDemand {
  /** The fingerprint of the certificate every session presents. */
  readonly fingerprint: string;
  readonly #identity: ServerIdentity;
  readonly #onFailure: (error: unknown) => void;
  readonly #load: TlsLoader;
  #terminator: Promise<TlsTerminator> | null = null;
  /** True once a failed load was told, until a load succeeds: a flood must not flood the log. */
  #loadFailureTold = false;

  /**
   * Prepares sessions presenting `identity`; nothing is loaded yet (`load` loads it; tests give
   * one that fails). `onFailure` is told once if the identity cannot be used (an `IdentityError`:
   * a key that does not match the certificate, a format Node's TLS does not read), which is then
   * known only at the first TLS connection; and once if the load fails (its error), which the
   * next TLS connection tries again.
   */
  constructor(
    identity: ServerIdentity,
    onFailure: (error: unknown) => void,
    load: TlsLoader = loadTls,
  ) {
    this.fingerprint = identity.fingerprint;
    this.#identity = identity;
    this.#onFailure = onFailure;
    this.#load = load;
  }

  /**
   * The server side of a TLS session on `conn`, whose first bytes `head` were already read; the
   * first call loads TLS and the sessions' crypto (a member gets a session only over TLS, so
   * they are loaded before any sealed datagram can come). The handshake runs as the session is
   * first read; its failure fails that read.
   *
   * @throws {IdentityError} on every call when the identity cannot be used.
   * @throws {Error} the load's failure, when TLS could not be loaded (tried again next call).
   */
  async accept(conn: ByteConn, head: Uint8Array): Promise<TlsConn> {
    this.#terminator ??= this.#start();
    return (await this.#terminator).accept(conn, head);
  }

  async #start(): Promise<TlsTerminator> {
    let TlsTerminator;
    try {
      ({ TlsTerminator } = await this.#load());
    } catch (error) {
      // A module file that could not be read (no descriptor left in a connection flood) need
      // not stay fatal: the connections waiting fail, the next one loads again.
      this.#terminator = null;
      if (!this.#loadFailureTold) this.#onFailure(error);
      this.#loadFailureTold = true;
      throw error;
    }
    this.#loadFailureTold = false;
    try {
      return new TlsTerminator(this.#identity);
    } catch (error) {
      this.#onFailure(error);
      throw error;
    }
  }
}

/** Where {@link checkIdentity} binds for a moment: loopback, a port the kernel picks. */
const CHECK_ADDRESS = { hostname: "127.0.0.1", port: 0 } as const;

/**
 * Checks that `identity`'s key matches its certificate and both are readable, without loading
 * the node compatibility layer: Deno's own TLS listener checks the pair when it is made (the
 * `createSecureContext` of its node layer checks nothing), so one is made on loopback and closed.
 *
 * @throws {IdentityError} naming the identity's source when the pair cannot be used.
 */
export function checkIdentity(identity: ServerIdentity): void {
  try {
    Deno.listenTls({ ...CHECK_ADDRESS, cert: identity.cert, key: identity.key }).close();
  } catch (error) {
    throw new IdentityError(
      `cannot use the TLS identity from ${identity.source}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
