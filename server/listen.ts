/**
 * Binding the listeners: TCP and UDP on the same port number, and the optional lobby socket.
 *
 * @module
 */

import { errorMessage } from "../util/mod.ts";

/** A listener could not be bound; `serve` turns it into one line and exit code 1. */
export class ListenError extends Error {
  /** Creates the error for `host`:`port`, keeping the system's reason as the cause. */
  constructor(readonly host: string, readonly port: number, options?: ErrorOptions) {
    super(
      `Cannot listen on ${formatHostPort(host, port)}: ${errorMessage(options?.cause)}`,
      options,
    );
    this.name = "ListenError";
  }

  /** The system's reason, e.g. "Address already in use (os error 98)". */
  get reason(): string {
    return errorMessage(this.cause);
  }
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Attempts at finding a port free for both TCP and UDP when the port is 0. */
const PAIR_ATTEMPTS = 8;

/** A TCP listener and a UDP socket, on the same port when at all possible. */
export interface BoundPair {
  /** The TCRP listener. */
  readonly listener: Deno.TcpListener;
  /** The datagram socket. */
  readonly socket: Deno.DatagramConn;
}

/**
 * Binds TCP then UDP on `port`. With port 0 the port TCP got is tried for UDP, a few times over;
 * if none is free for both, UDP gets a port of its own (tests read both from the handle).
 *
 * @throws {ListenError} when the address cannot be bound.
 */
export function bindPair(host: string, port: number): BoundPair {
  for (let attempt = 1;; attempt++) {
    const listener = listenTcp(host, port);
    try {
      if (port === 0 && attempt > PAIR_ATTEMPTS) {
        return { listener, socket: listenUdp(host, 0) };
      }
      return { listener, socket: listenUdp(host, listener.addr.port) };
    } catch (error) {
      listener.close();
      const retry = port === 0 && error instanceof ListenError &&
        error.cause instanceof Deno.errors.AddrInUse;
      if (!retry) throw error;
    }
  }
}

function listenTcp(host: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname: host, port, transport: "tcp" });
  } catch (cause) {
    throw new ListenError(host, port, { cause });
  }
}

/**
 * Binds a UDP socket, exclusively: never with `SO_REUSEADDR`, so that no other local program can
 * bind the same address and port and take the datagrams.
 *
 * @throws {ListenError} when the address cannot be bound.
 */
export function listenUdp(host: string, port: number): Deno.DatagramConn {
  try {
    return Deno.listenDatagram({ hostname: host, port, transport: "udp" });
  } catch (cause) {
    throw new ListenError(host, port, { cause });
  }
}
