/**
 * The Stage 1 lobby (`--lobby-port`): one global room over UDP. Each datagram
 * (usernamelen | username | message) is relayed unchanged to every other client that has spoken
 * within the timeout.
 *
 * @module
 */

import { MAX_DATAGRAM_SIZE, parseStage1Datagram } from "../protocol/mod.ts";
import type { FaultLog } from "./faults.ts";
import type { Logger } from "./log.ts";
import { Outbox } from "./outbox.ts";
import { LobbyClients } from "./state/mod.ts";
import { receiveDatagrams } from "./udp_front.ts";

/** The lobby socket, its clients and its outbox. */
export class Lobby {
  readonly #socket: Deno.DatagramConn;
  readonly #clients: LobbyClients;
  readonly #outbox: Outbox;
  readonly #loop: Promise<void>;
  #dropped = 0;

  /** Starts the lobby on an already bound socket; handler faults go to `faults`. */
  constructor(
    socket: Deno.DatagramConn,
    timeoutSeconds: number,
    now: () => number,
    log: Logger,
    faults: FaultLog,
  ) {
    this.#socket = socket;
    this.#clients = new LobbyClients(timeoutSeconds);
    this.#outbox = new Outbox((bytes, address) => socket.send(bytes, address));
    const drop = (address: Deno.NetAddr, reason: string) => {
      this.#dropped += 1;
      if (log.isVerbose) {
        log.verbose(`lobby dropped a datagram from ${address.hostname}: ${reason}`);
      }
    };
    this.#loop = receiveDatagrams(
      socket,
      (bytes, address) => {
        try {
          parseStage1Datagram(bytes);
        } catch (error) {
          return drop(address, (error as Error).message);
        }
        const sender = this.#clients.heard(address.hostname, address.port, now());
        if (sender === null) return drop(address, "the lobby is full");
        let copy: Uint8Array | null = null;
        for (const other of this.#clients.others(sender)) {
          // One copy for all recipients: `bytes` is the reused receive buffer.
          copy ??= bytes.slice();
          this.#outbox.push(copy, other, null);
        }
      },
      (address) => drop(address, `over ${MAX_DATAGRAM_SIZE} bytes`),
      log,
      faults,
    );
  }

  /** The address the lobby socket is bound to. */
  get addr(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /** Datagrams dropped as malformed, oversized, or from a new client while the lobby is full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Clients currently known. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Forgets the clients silent for longer than the timeout. */
  sweep(now: number): void {
    this.#clients.sweep(now);
  }

  /** Closes the socket and stops both loops. */
  async close(): Promise<void> {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
    await this.#loop;
    await this.#outbox.close();
  }
}
