/**
 * The client side of a TCRP exchange: create, join or list over one TCP connection, within a
 * deadline, so that an unreachable or stalled server is a clear error, never a hang.
 *
 * @module
 */

import {
  decodeRoomList,
  decodeSessionFrame,
  decodeStatus,
  decodeToken,
  encodePortAnnouncement,
  encodeRequestFrame,
  Operation,
  ProtocolError,
  type RoomList,
  type RoomRequest,
  type SessionGrant,
  State,
  Status,
  type TcrpFrame,
  TcrpFrameReader,
} from "../protocol/mod.ts";
import { type ByteConn, errorMessage, MS_PER_SECOND, writeAll } from "../util/mod.ts";
import { ClientError, refusalError } from "./errors.ts";
import { type ServerTrust, startTls } from "./secure_connect.ts";

/** Where the server is, and how to talk to it. */
export interface ServerAddress {
  /** Host name or address. */
  host: string;
  /** TCP (and UDP) port. */
  port: number;
  /**
   * TCRP inside TLS, checking the server's identity this way (docs/protocol.md §2.8); absent,
   * plain TCRP, as standard clients speak it (`--insecure-plaintext`).
   */
  tls?: ServerTrust;
}

/** A granted create or join: the token, and the addresses to use for UDP. */
export interface RoomTicket {
  /** The token for the room's datagrams. */
  token: string;
  /**
   * The session granted (docs/protocol.md §7.1) when the request asked for one; null when it did
   * not, or the server granted none.
   */
  session: SessionGrant | null;
  /** Our address on the TCP connection: the UDP socket binds it so the server sees the same IP. */
  localHostname: string;
  /** The server's resolved address. */
  serverHostname: string;
  /** Announces our UDP port to the server (§2.6) and closes the connection. */
  announce(port: number): Promise<void>;
  /** Closes the connection without announcing. */
  close(): void;
}

/** How long connecting plus the whole exchange may take before the server counts as unreachable. */
export const REQUEST_DEADLINE_MS = 5_000;
const READ_BUFFER_SIZE = 4096;

/**
 * Creates or joins a room.
 *
 * @throws {ClientError} when the server is unreachable, refuses (with the status's own reason),
 * or answers something that is not TCRP.
 */
export async function requestRoom(
  server: ServerAddress,
  operation: typeof Operation.CreateRoom | typeof Operation.JoinRoom,
  roomName: string,
  request: RoomRequest,
  deadlineMs = REQUEST_DEADLINE_MS,
): Promise<RoomTicket> {
  const exchange = await open(server, deadlineMs);
  try {
    await exchange.write(encodeRequestFrame(operation, roomName, request));
    const status = decodeStatus(await exchange.nextFrame(State.Response));
    if (status !== Status.Ok) throw refusalError(status, roomName, request.username);
    const token = decodeToken(await exchange.nextFrame(State.Complete));
    const session = request.session === true
      ? decodeSessionFrame(await exchange.nextFrame(State.Session))
      : null;
    exchange.disarm();
    return {
      token,
      session,
      localHostname: exchange.localHostname,
      serverHostname: exchange.serverHostname,
      announce: async (port) => {
        try {
          await writeAll(exchange.conn, encodePortAnnouncement(port));
        } finally {
          exchange.close();
        }
      },
      close: () => exchange.close(),
    };
  } catch (error) {
    exchange.close();
    throw translate(error, server, exchange.timedOut, deadlineMs);
  }
}

/**
 * Lists the server's rooms.
 *
 * @throws {ClientError} when the server is unreachable or answers something that is not TCRP.
 */
export async function listRooms(
  server: ServerAddress,
  deadlineMs = REQUEST_DEADLINE_MS,
): Promise<RoomList> {
  const exchange = await open(server, deadlineMs);
  try {
    await exchange.write(encodeRequestFrame(Operation.ListRooms, "", null));
    const status = decodeStatus(await exchange.nextFrame(State.Response));
    if (status !== Status.Ok) throw refusalError(status, "", "");
    return decodeRoomList(await exchange.nextFrame(State.Complete));
  } catch (error) {
    throw translate(error, server, exchange.timedOut, deadlineMs);
  } finally {
    exchange.close();
  }
}

/**
 * One TCP connection (TCRP in plain or inside TLS) with a deadline that closes it, which ends any
 * pending read or write.
 */
class Exchange {
  readonly conn: ByteConn;
  /** Our address on the TCP connection. */
  readonly localHostname: string;
  /** The server's resolved address. */
  readonly serverHostname: string;
  readonly #reader = new TcrpFrameReader();
  readonly #frames: TcrpFrame[] = [];
  readonly #buffer = new Uint8Array(READ_BUFFER_SIZE);
  readonly #timer: ReturnType<typeof setTimeout>;
  #closed = false;
  /** Set when the deadline closed the connection, so the error names the real cause. */
  timedOut = false;

  constructor(conn: ByteConn, tcp: Deno.TcpConn, deadlineMs: number) {
    this.conn = conn;
    this.localHostname = tcp.localAddr.hostname;
    this.serverHostname = tcp.remoteAddr.hostname;
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.close();
    }, deadlineMs);
  }

  write(bytes: Uint8Array): Promise<void> {
    return writeAll(this.conn, bytes);
  }

  async nextFrame(state: number): Promise<TcrpFrame> {
    while (this.#frames.length === 0) {
      const count = await this.conn.read(this.#buffer);
      if (count === null) throw new ClosedUnanswered();
      this.#frames.push(...this.#reader.push(this.#buffer.subarray(0, count)));
    }
    const frame = this.#frames.shift()!;
    if (frame.state !== state) {
      throw new ProtocolError(`Expected a frame in state ${state}, got state ${frame.state}`);
    }
    return frame;
  }

  /** Stops the deadline: the exchange succeeded and the caller now owns the connection. */
  disarm(): void {
    clearTimeout(this.#timer);
  }

  close(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#closed = true;
    this.conn.close();
  }
}

/**
 * Connects, and with `server.tls` runs the TLS handshake and checks the server's identity, each
 * within `deadlineMs`.
 */
async function open(server: ServerAddress, deadlineMs: number): Promise<Exchange> {
  let tcp: Deno.TcpConn;
  try {
    tcp = await Deno.connect({
      hostname: server.host,
      port: server.port,
      signal: AbortSignal.timeout(deadlineMs),
    });
  } catch (cause) {
    const timedOut = cause instanceof Error &&
      (cause.name === "AbortError" || cause.name === "TimeoutError");
    throw unreachable(server, timedOut ? noAnswer(deadlineMs) : errorMessage(cause), cause);
  }
  if (server.tls === undefined) return new Exchange(tcp, tcp, deadlineMs);
  const conn = await startTls(tcp, server.host, server.port, server.tls, deadlineMs);
  return new Exchange(conn, tcp, deadlineMs);
}

/** The server closed the TCP connection before its answer was whole: busy, full, or not kaiwa. */
class ClosedUnanswered extends Error {
  constructor() {
    super("The server closed the connection before answering");
    this.name = "ClosedUnanswered";
  }
}

function translate(
  error: unknown,
  server: ServerAddress,
  timedOut: boolean,
  deadlineMs: number,
): unknown {
  if (error instanceof ClientError) return error;
  if (timedOut) return unreachable(server, noAnswer(deadlineMs), error);
  if (error instanceof ClosedUnanswered) {
    return unreachable(
      server,
      "it closed the connection without answering (it may be busy or at its connection limit)",
      error,
    );
  }
  if (error instanceof ProtocolError) {
    return new ClientError(
      `The server at ${server.host}:${server.port} does not speak TCRP: ${error.message}`,
      "unreachable",
      { cause: error },
    );
  }
  return unreachable(server, errorMessage(error), error);
}

function unreachable(server: ServerAddress, reason: string, cause: unknown): ClientError {
  return new ClientError(
    `Cannot reach the server at ${server.host}:${server.port}: ${reason}`,
    "unreachable",
    { cause },
  );
}

function noAnswer(deadlineMs: number): string {
  return `no answer within ${deadlineMs / MS_PER_SECOND} seconds`;
}
