/**
 * TCRP inside TLS, client side: the handshake over an open TCP connection, and the check of the
 * server's certificate by its pinned fingerprint, not by an authority (docs/protocol.md §2.8).
 * The certificate is read with `node:tls` (Deno's TLS does not show it) before any byte of TCRP
 * is sent, so a request, password included, only ever goes to the pinned server.
 *
 * @module
 */

import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { errorMessage, fingerprintOfDer, MS_PER_SECOND } from "../util/mod.ts";
import { duplexOf, TlsConn } from "../util/tls_conn.ts";
import { ClientError } from "./errors.ts";
import { checkKnownServer, serverKey, type ServerPin } from "./known_servers.ts";

/** How the client trusts a server's TLS identity. */
export interface ServerTrust {
  /** The fingerprint to require (`--fingerprint`); the known-servers file is then not used. */
  readonly fingerprint: string | null;
  /**
   * The known-servers file, where a server's fingerprint is pinned on first use. With neither this
   * nor `fingerprint`, any identity is accepted: encrypted, but not authenticated.
   */
  readonly knownServers: string | null;
  /**
   * Told when a server unknown to `knownServers` was pinned (once: later connections find it
   * known), so the user can compare the fingerprint with the one the server printed; the caller
   * decides where that is said (stderr, the interactive screen).
   */
  readonly onPinned?: (pin: ServerPin) => void;
}

/**
 * The name the client asks for (SNI): every self-signed kaiwa certificate carries it, and the
 * pin, not the name, is what is checked.
 */
const SERVER_NAME = "kaiwa";

/**
 * Runs the TLS handshake on `tcp` within `deadlineMs` and checks the server's identity.
 *
 * @throws {ClientError} `serverIdentityChanged` when the identity is not the pinned one (the
 * connection is closed, nothing was sent); `unreachable` when the handshake fails or times out.
 */
export async function startTls(
  tcp: Deno.TcpConn,
  host: string,
  port: number,
  trust: ServerTrust,
  deadlineMs: number,
): Promise<TlsConn> {
  const key = serverKey(host, port);
  const socket = tlsConnect({
    socket: duplexOf(tcp),
    servername: SERVER_NAME,
    // Not by an authority: the fingerprint, checked below before anything is sent.
    rejectUnauthorized: false,
  });
  // Failures are reported by the handshake, then by the TlsConn: an error event between the two
  // (while the known-servers file is read) must not escape as an uncaught exception.
  socket.on("error", () => {});
  try {
    await handshake(socket, deadlineMs);
  } catch (error) {
    socket.destroy();
    throw new ClientError(
      `Cannot reach the server at ${key} over TLS: ${errorMessage(error)} (a server without ` +
        `TLS needs --insecure-plaintext)`,
      "unreachable",
      { cause: error },
    );
  }
  try {
    const fingerprint = await fingerprintOfDer(new Uint8Array(socket.getPeerCertificate().raw));
    if (trust.fingerprint !== null) {
      if (fingerprint !== trust.fingerprint) {
        throw new ClientError(
          `The server at ${key} presents the identity ${fingerprint}, not the ` +
            `${trust.fingerprint} given with --fingerprint: refusing to connect`,
          "serverIdentityChanged",
        );
      }
    } else if (trust.knownServers !== null) {
      const file = trust.knownServers;
      if (await checkKnownServer(file, key, fingerprint) === "pinned") {
        trust.onPinned?.({ key, fingerprint, file });
      }
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return new TlsConn(socket);
}

/** Resolves when the handshake is done; rejects on its failure or after `deadlineMs`. */
function handshake(socket: TLSSocket, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no handshake within ${deadlineMs / MS_PER_SECOND} seconds`)),
      deadlineMs,
    );
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off("secureConnect", onConnect);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onConnect = () => done();
    const onError = (error: Error) => done(error);
    const onClose = () => done(new Error("the server closed the connection"));
    socket.on("secureConnect", onConnect);
    socket.on("error", onError);
    socket.on("close", onClose);
  });
}
