/**
 * The Stage 1 lobby (`--lobby-port`): one global room over UDP. Each datagram
 * (usernamelen | username | message) is relayed, its text neutralised for printing, to every other
 * client that has spoken within the timeout and whose byte credit covers it: no address is sent
 * more than 3× what was sent from it (docs/protocol.md §5, `LobbyClients`).
 *
 * @module
 */

import { MAX_DATAGRAM_SIZE, neutralizeStage1Datagram } from "../protocol/mod.ts";
import type { FaultLog } from "./faults.ts";
import type { Logger } from "./log.ts";
import { LobbyClients } from "./state/mod.ts";
import { DenoUdpTransport, type UdpTransport } from "./udp/mod.ts";

/** The lobby socket's transport and its clients. */
export class Lobby {
  readonly #clients: LobbyClients;
  readonly #transport: UdpTransport;
  #dropped = 0;

  /**
   * Starts relaying on `socket`; clients are forgotten after `timeoutSeconds` of silence. At most
   * `sendQueueBytes` wait to be sent (`--send-queue-bytes`).
   */
  constructor(
    socket: Deno.DatagramConn,
    timeoutSeconds: number,
    now: () => number,
    log: Logger,
    faults: FaultLog,
    sendQueueBytes?: number,
  ) {
    this.#clients = new LobbyClients(timeoutSeconds);
    const drop = (hostname: string, reason: string) => {
      this.#dropped += 1;
      if (log.isVerbose) log.verbose(`lobby dropped a datagram from ${hostname}: ${reason}`);
    };
    this.#transport = new DenoUdpTransport(socket, {
      events: {
        received: (bytes, hostname, port) => {
          let relayed: Uint8Array | null;
          try {
            relayed = neutralizeStage1Datagram(bytes);
          } catch (error) {
            return drop(hostname, (error as Error).message);
          }
          if (relayed === null) return drop(hostname, "its neutralised text does not fit");
          const sender = this.#clients.heard(hostname, port, now(), bytes.length);
          if (sender === null) return drop(hostname, "the lobby or its network is full");
          let copy: Uint8Array | null = null;
          for (const other of this.#clients.recipients(sender, relayed.length)) {
            // One copy for all recipients: `bytes` is the reused receive buffer.
            copy ??= relayed === bytes ? bytes.slice() : relayed;
            this.#transport.send(copy, other);
          }
        },
        oversize: (hostname) => drop(hostname, `over ${MAX_DATAGRAM_SIZE} bytes`),
        // A lobby client that cannot be reached is forgotten by its timeout.
        failed: () => {},
      },
      log,
      faults,
      sendQueueBytes,
    });
  }

  /** The address the lobby socket is bound to. */
  get addr(): Deno.NetAddr {
    return this.#transport.addr;
  }

  /**
   * Datagrams dropped as malformed, oversized, unfit once neutralised, or from a new client while
   * the lobby (or its network's share) is full.
   */
  get dropped(): number {
    return this.#dropped;
  }

  /** Relays skipped because the recipient had not sent enough to be sent that much. */
  get throttled(): number {
    return this.#clients.throttled;
  }

  /** The lobby socket's send queue counts: what waits, and what was dropped as it was full. */
  get queue(): Pick<UdpTransport, "pending" | "dropped"> {
    return this.#transport;
  }

  /** Clients currently known. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Forgets the clients silent for longer than the timeout. */
  sweep(now: number): void {
    this.#clients.sweep(now);
  }

  /** Closes the socket and stops relaying. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}
