/**
 * The Stage 1 lobby's memory: which addresses have spoken recently, so the lobby knows whom to
 * relay to. Pure: the lobby socket drives it with the current time.
 *
 * @module
 */

import { MS_PER_SECOND } from "../../util/mod.ts";
import type { UdpAddress } from "./room.ts";

/**
 * Most clients the lobby remembers. Any source address becomes a client by sending one
 * datagram, so without a cap a stream of spoofed sources would grow the map for a whole timeout.
 */
export const MAX_LOBBY_CLIENTS = 4096;

interface LobbyClient {
  readonly address: UdpAddress;
  lastSeen: number;
}

/**
 * Lobby clients by address. A client exists once it has sent a datagram and is forgotten after
 * `timeoutSeconds` of silence. At most `maxClients` are remembered.
 */
export class LobbyClients {
  readonly #clients = new Map<string, LobbyClient>();
  readonly #timeoutMs: number;
  readonly #maxClients: number;

  /** Creates an empty lobby. */
  constructor(timeoutSeconds: number, maxClients = MAX_LOBBY_CLIENTS) {
    this.#timeoutMs = timeoutSeconds * MS_PER_SECOND;
    this.#maxClients = maxClients;
  }

  /** How many clients the lobby knows. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Records that `hostname`:`port` spoke and returns the address object of that client, created
   * once per client so relaying never builds addresses. Null for a new client when the lobby is
   * full: it is not remembered, and its datagram is not relayed.
   */
  heard(hostname: string, port: number, now: number): UdpAddress | null {
    const key = `${hostname}|${port}`;
    let client = this.#clients.get(key);
    if (client === undefined) {
      if (this.#clients.size >= this.#maxClients) return null;
      client = { address: { transport: "udp", hostname, port }, lastSeen: now };
      this.#clients.set(key, client);
    }
    client.lastSeen = now;
    return client.address;
  }

  /** Every known client except `sender`. */
  *others(sender: UdpAddress): IterableIterator<UdpAddress> {
    for (const client of this.#clients.values()) {
      if (client.address !== sender) yield client.address;
    }
  }

  /** Forgets the clients silent for longer than the timeout. */
  sweep(now: number): void {
    const deadline = now - this.#timeoutMs;
    for (const [key, client] of this.#clients) {
      if (client.lastSeen < deadline) this.#clients.delete(key);
    }
  }
}
