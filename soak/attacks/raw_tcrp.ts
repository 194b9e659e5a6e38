/**
 * The attacker's side of TCRP: the same frames as the client's `requestRoom`, but sent from a
 * chosen 127.0.0.x source address (Deno.connect cannot bind one; node:net can) and without the
 * client's politeness: the caller decides when to give up, hold or reset the connection.
 *
 * @module
 */

import net from "node:net";
import {
  decodeStatus,
  decodeToken,
  encodePortAnnouncement,
  encodeRequestFrame,
  type RoomRequest,
  State,
  Status,
  TcrpFrameReader,
} from "../../protocol/mod.ts";
import { assertLoopback, SERVER_HOST } from "./loopback.ts";
import type { Traffic } from "./pace.ts";

/**
 * A rough count of the bytes of a TCP connection's own packets (SYN, ACK, FIN or RST with their
 * IP and TCP headers), added to the traffic figure so that an attack of empty connections is not
 * counted as zero.
 */
export const TCP_CONNECTION_BYTES = 180;

/** One create or join, sent from `localAddress`. */
export interface RawExchange {
  /** The source address, 127.0.0.x. */
  readonly localAddress: string;
  /** The server's TCP port (on 127.0.0.1). */
  readonly port: number;
  /** Operation.CreateRoom or Operation.JoinRoom. */
  readonly operation: number;
  /** The room. */
  readonly room: string;
  /** The request payload's fields. */
  readonly request: RoomRequest;
  /** Gives up (and closes) after this long. */
  readonly timeoutMs: number;
  /** Counts what is sent. */
  readonly traffic: Traffic;
  /** After a token, announce this UDP port (else the connection is just closed). */
  readonly udpPort?: number;
}

/** How an exchange ended: the status, or null when the server closed or never answered. */
export interface RawOutcome {
  /** The status byte, or null. */
  readonly status: number | null;
  /** The token when the status was OK. */
  readonly token: string | null;
}

/** Opens a connection from `localAddress` to the server, counting its packets. */
export function connectFrom(
  localAddress: string,
  port: number,
  traffic: Traffic,
): net.Socket {
  const socket = net.connect({
    host: assertLoopback(SERVER_HOST),
    port,
    localAddress: assertLoopback(localAddress),
  });
  socket.on("error", () => {});
  traffic.add(TCP_CONNECTION_BYTES);
  return socket;
}

/** Resolves when `socket` has connected (true) or failed, closed or timed out (false). */
export function connected(socket: net.Socket, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Sends one create or join and reads the answer; never throws. */
export function rawExchange(exchange: RawExchange): Promise<RawOutcome> {
  const socket = connectFrom(exchange.localAddress, exchange.port, exchange.traffic);
  const frame = encodeRequestFrame(exchange.operation, exchange.room, exchange.request);
  const reader = new TcrpFrameReader();
  let status: number | null = null;
  return new Promise<RawOutcome>((resolve) => {
    const finish = (token: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, token });
    };
    const timer = setTimeout(() => finish(null), exchange.timeoutMs);
    socket.once("connect", () => {
      socket.write(frame);
      exchange.traffic.add(frame.length);
    });
    socket.on("data", (chunk: Uint8Array) => {
      try {
        for (const received of reader.push(chunk)) {
          if (received.state === State.Response) {
            status = decodeStatus(received);
            if (status !== Status.Ok) return finish(null);
          } else if (received.state === State.Complete) {
            const token = decodeToken(received);
            if (exchange.udpPort === undefined) return finish(token);
            const announcement = encodePortAnnouncement(exchange.udpPort);
            exchange.traffic.add(announcement.length);
            socket.end(announcement, () => finish(token));
            return;
          }
        }
      } catch {
        finish(null);
      }
    });
    socket.once("close", () => finish(null));
  });
}
