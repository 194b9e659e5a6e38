/**
 * An attacker's (or victim's) UDP socket that counts what reaches it.
 *
 * @module
 */

import { MAX_EVENT_SIZE } from "../../protocol/mod.ts";
import { assertLoopback, SERVER_HOST } from "./loopback.ts";
import type { Traffic } from "./pace.ts";

/** A bound UDP socket counting the datagrams and bytes it receives. */
export class UdpSink {
  readonly socket: Deno.DatagramConn;
  /** Datagrams received. */
  datagrams = 0;
  /** Bytes received. */
  bytes = 0;
  readonly #loop: Promise<void>;

  /** Binds `hostname` (loopback only), any port, and starts counting. */
  constructor(hostname: string) {
    this.socket = Deno.listenDatagram({
      transport: "udp",
      hostname: assertLoopback(hostname),
      port: 0,
    });
    this.#loop = this.#receive();
  }

  /** The bound port. */
  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  /** Sends `bytes` to `port` on the server's address, counting them in `traffic`. */
  async sendToServer(bytes: Uint8Array, port: number, traffic: Traffic): Promise<void> {
    traffic.add(bytes.length);
    await this.socket.send(bytes, { transport: "udp", hostname: SERVER_HOST, port });
  }

  /** Stops counting and closes the socket. */
  async close(): Promise<void> {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
    await this.#loop;
  }

  async #receive(): Promise<void> {
    const buffer = new Uint8Array(MAX_EVENT_SIZE + 1);
    for (;;) {
      try {
        const [bytes] = await this.socket.receive(buffer);
        this.datagrams++;
        this.bytes += bytes.length;
      } catch {
        return;
      }
    }
  }
}

/** Total bytes received by `sinks`. */
export function bytesReceived(sinks: readonly UdpSink[]): number {
  return sinks.reduce((sum, sink) => sum + sink.bytes, 0);
}
