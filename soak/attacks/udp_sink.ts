/**
 * An attacker's (or victim's) UDP socket that counts what reaches it.
 *
 * @module
 */

import { udpDrops } from "../../bench/proc_stats.ts";
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

/** What reached a set of sinks while something ran, counting what their kernel buffers dropped. */
export interface Arrivals {
  /** Datagrams sent to the sinks: received plus dropped by a full receive buffer. */
  readonly datagrams: number;
  /** Bytes sent to the sinks; dropped datagrams are counted at the received ones' mean size. */
  readonly bytes: number;
  /** Of {@link datagrams}, those the kernel dropped. */
  readonly dropped: number;
}

/**
 * Counts what reached `sinks` while `work` ran. A burst (a Who answer, a lobby relay) overflows
 * a socket's receive buffer, which Deno cannot enlarge, so the kernel's drop counters
 * (/proc/net/udp) are added to what was read.
 */
export async function arrivals(sinks: readonly UdpSink[], work: () => Promise<void>): Promise<
  Arrivals
> {
  const ports = new Set(sinks.map((sink) => sink.port));
  const droppedBefore = await udpDrops(ports) ?? 0;
  const bytesBefore = bytesReceived(sinks);
  const datagramsBefore = sinks.reduce((sum, sink) => sum + sink.datagrams, 0);
  await work();
  const dropped = (await udpDrops(ports) ?? 0) - droppedBefore;
  const bytes = bytesReceived(sinks) - bytesBefore;
  const datagrams = sinks.reduce((sum, sink) => sum + sink.datagrams, 0) - datagramsBefore;
  const mean = datagrams === 0 ? 0 : bytes / datagrams;
  return { datagrams: datagrams + dropped, bytes: Math.round(bytes + dropped * mean), dropped };
}
