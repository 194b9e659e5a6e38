/**
 * One TCRP connection: read one request within the deadline, answer it, collect the optional
 * UDP port announcement, close.
 *
 * @module
 */

import {
  decodeName,
  decodePortAnnouncement,
  decodeRoomRequest,
  encodeRoomListFrame,
  encodeStatusFrame,
  encodeTokenFrame,
  MAX_NAME_BYTES,
  Operation,
  ProtocolError,
  SizeLimitError,
  State,
  Status,
  TCRP_HEADER_SIZE,
  type TcrpFrame,
  TcrpFrameReader,
  UDP_PORT_ANNOUNCEMENT_SIZE,
} from "../protocol/mod.ts";
import type { FaultLog } from "./faults.ts";
import type { Logger } from "./log.ts";
import type { PasswordHasher } from "./password.ts";
import {
  type Admission,
  type AdmissionRequest,
  type Member,
  type ServerState,
  tokenPrefix,
} from "./state/mod.ts";

/**
 * Bytes read from the socket at a time. A request is a few hundred bytes and a larger one takes
 * several reads; a small chunk keeps the garbage of many joins small (4,096 bytes cost 12% more
 * server memory per member at 100,000 members).
 */
const READ_CHUNK_SIZE = 512;
/** Header byte holding the room name size, and the one holding the operation (§2.1). */
const ROOM_NAME_SIZE_BYTE = 0;
const OPERATION_BYTE = 1;
const EMPTY: Uint8Array = new Uint8Array(0);
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([name, code]) => [code, name]));

/** What a connection needs from the server. */
export interface SessionContext {
  /** The server state. */
  readonly state: ServerState;
  /** Hashes and checks room passwords. */
  readonly hasher: PasswordHasher;
  /** The log. */
  readonly log: Logger;
  /** Where exceptions escaping a request's handling are counted and logged. */
  readonly faults: FaultLog;
  /** The clock. */
  readonly now: () => number;
  /** Time a connection has for its request, and again for its port announcement. */
  readonly requestTimeoutMs: number;
}

/** A request refused before it was decoded: answered from the raw header bytes. */
class RefusedRequest extends Error {
  constructor(readonly operation: number, readonly roomName: Uint8Array, reason: string) {
    super(reason);
    this.name = "RefusedRequest";
  }
}

/**
 * Closes a connection when its time is up, which makes any pending read fail.
 */
class Deadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  expired = false;

  constructor(readonly conn: Deno.Conn) {}

  restart(ms: number): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.expired = true;
      closeQuietly(this.conn);
    }, ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * The errors a connection's own I/O ends with: the peer went away, or the deadline closed it.
 * Anything else escaping a session is a fault of the server.
 */
const CONNECTION_ERRORS: readonly (new (...args: never[]) => Error)[] = [
  Deno.errors.BadResource,
  Deno.errors.BrokenPipe,
  Deno.errors.ConnectionAborted,
  Deno.errors.ConnectionReset,
  Deno.errors.Interrupted,
  Deno.errors.NotConnected,
  Deno.errors.TimedOut,
  Deno.errors.UnexpectedEof,
];

function isConnectionError(error: unknown): boolean {
  return CONNECTION_ERRORS.some((type) => error instanceof type);
}

/** Closes a connection that may already be closed. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed: by the deadline, by the peer, or by the server shutting down.
  }
}

/** Serves one connection from `ip` to its end; never throws. */
export async function serveConnection(
  conn: Deno.Conn,
  ip: string,
  ctx: SessionContext,
): Promise<void> {
  const deadline = new Deadline(conn);
  deadline.restart(ctx.requestTimeoutMs);
  const reader = new TcrpFrameReader();
  try {
    let frame: TcrpFrame | null;
    try {
      frame = await readRequest(conn, reader);
    } catch (error) {
      if (!(error instanceof RefusedRequest)) throw error;
      // An oversized request is a request too: it counts against the per-IP limit.
      const status = ctx.state.allowRequest(ip, ctx.now())
        ? Status.InvalidRequest
        : Status.TooManyRequests;
      logRefusal(ctx, status, `refused a request from ${ip}: ${error.message}`);
      await writeFrame(conn, encodeStatusFrame(error.operation, error.roomName, status));
      return;
    }
    if (frame === null) return;
    const answer = await answerRequest(frame, ip, ctx);
    if (answer.status !== Status.Ok) {
      logRefusal(
        ctx,
        answer.status,
        `refused operation ${frame.operation} from ${ip}: ${STATUS_NAMES[answer.status]}`,
      );
    }
    await writeFrame(conn, encodeStatusFrame(frame.operation, frame.roomName, answer.status));
    if (answer.list !== undefined) await writeFrame(conn, answer.list);
    if (answer.member !== undefined) {
      await deliverToken(conn, frame, answer.member, ctx);
      deadline.restart(ctx.requestTimeoutMs);
      const port = await readAnnouncement(conn, reader);
      if (port !== null) ctx.state.announcePort(answer.member, port, ctx.now());
    }
  } catch (error) {
    // A closed or reset connection ends the session; the deadline closing it is the usual case.
    if (deadline.expired) ctx.log.verbose(`closed a connection from ${ip}: request timed out`);
    else if (isConnectionError(error)) {
      ctx.log.verbose(`connection from ${ip} ended: ${(error as Error).message}`);
    } else ctx.faults.report(`a connection from ${ip}`, error);
  } finally {
    deadline.clear();
    closeQuietly(conn);
  }
}

interface Answer {
  status: Status;
  /** The room list frame of an Ok ListRooms. */
  list?: Uint8Array;
  /** The new member of an Ok create or join. */
  member?: Member;
}

async function answerRequest(frame: TcrpFrame, ip: string, ctx: SessionContext): Promise<Answer> {
  if (frame.state !== State.Request) return { status: Status.InvalidRequest };
  if (!ctx.state.allowRequest(ip, ctx.now())) return { status: Status.TooManyRequests };
  try {
    switch (frame.operation) {
      case Operation.ListRooms:
        return { status: Status.Ok, list: encodeRoomListFrame(ctx.state.listRooms()) };
      case Operation.CreateRoom:
      case Operation.JoinRoom:
        return await admit(frame, ip, ctx);
      default:
        return { status: Status.InvalidRequest };
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { status: Status.InvalidRequest };
    ctx.faults.report(`a request from ${ip}`, error);
    return { status: Status.ServerError };
  }
}

/**
 * Refusals are normal events, except those a flood causes by nature (the request rate limit):
 * logging each of those would turn a request flood into a log flood.
 */
function logRefusal(ctx: SessionContext, status: Status, line: string): void {
  if (status === Status.TooManyRequests) ctx.log.verbose(line);
  else ctx.log.info(line);
}

async function admit(frame: TcrpFrame, ip: string, ctx: SessionContext): Promise<Answer> {
  const roomName = decodeName(frame.roomName, "room name");
  const { username, password, eventFormat } = decodeRoomRequest(frame.payload);
  const request: AdmissionRequest = {
    roomName,
    roomNameBytes: frame.roomName,
    username,
    kaiwa: eventFormat > 0,
    ip,
  };
  const { state, hasher } = ctx;
  let admission: Admission;
  if (frame.operation === Operation.CreateRoom) {
    // Checked before hashing so that a doomed request costs no scrypt; createRoom checks again.
    if (state.passwordOf(roomName) !== undefined) return { status: Status.RoomExists };
    const hash = password === null ? null : await hasher.hash(password);
    admission = state.createRoom(request, hash, ctx.now());
  } else {
    const hash = state.passwordOf(roomName);
    if (hash === undefined) return { status: Status.RoomNotFound };
    if (hash !== null && (password === null || !(await hasher.verify(password, hash)))) {
      return { status: Status.WrongPassword };
    }
    admission = state.joinRoom(request, hash, ctx.now());
  }
  if (admission.member === null) return { status: admission.status };
  return { status: Status.Ok, member: admission.member };
}

async function deliverToken(
  conn: Deno.Conn,
  frame: TcrpFrame,
  member: Member,
  ctx: SessionContext,
): Promise<void> {
  try {
    await writeFrame(conn, encodeTokenFrame(frame.operation, frame.roomName, member.token));
  } catch (error) {
    ctx.log.info(
      `token ${tokenPrefix(member.token)} for "${member.name}" not delivered; withdrawn`,
    );
    ctx.state.withdraw(member, ctx.now());
    throw error;
  }
}

/** Reads until one whole frame arrived; null on EOF before that. */
async function readRequest(conn: Deno.Conn, reader: TcrpFrameReader): Promise<TcrpFrame | null> {
  const chunk = new Uint8Array(READ_CHUNK_SIZE);
  // The first bytes, kept so that an oversized request can still be answered with its
  // operation and room name: the reader refuses it from the header alone.
  let head = EMPTY;
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) return null;
    const bytes = chunk.subarray(0, n);
    if (head.length < TCRP_HEADER_SIZE + MAX_NAME_BYTES) head = concat(head, bytes);
    try {
      const frames = reader.push(bytes);
      if (frames.length > 0) return frames[0];
    } catch (error) {
      if (error instanceof SizeLimitError) {
        const roomEnd = TCRP_HEADER_SIZE + head[ROOM_NAME_SIZE_BYTE];
        // The room name may not have arrived yet: then the answer echoes none.
        const roomName = head.length >= roomEnd ? head.slice(TCRP_HEADER_SIZE, roomEnd) : EMPTY;
        throw new RefusedRequest(head[OPERATION_BYTE], roomName, error.message);
      }
      throw error;
    }
  }
}

/** Reads the optional 2-byte UDP port announcement; null when none came before EOF. */
async function readAnnouncement(conn: Deno.Conn, reader: TcrpFrameReader): Promise<number | null> {
  let bytes = reader.takeBuffered();
  const chunk = new Uint8Array(UDP_PORT_ANNOUNCEMENT_SIZE);
  while (bytes.length < UDP_PORT_ANNOUNCEMENT_SIZE) {
    const n = await conn.read(chunk);
    if (n === null) return null;
    bytes = concat(bytes, chunk.subarray(0, n));
  }
  try {
    return decodePortAnnouncement(bytes.subarray(0, UDP_PORT_ANNOUNCEMENT_SIZE));
  } catch {
    return null; // Port 0: nothing to bind; the first datagram will do it.
  }
}

/** Writes one frame, in one write unless the kernel takes it in parts. */
async function writeFrame(conn: Deno.Conn, frame: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < frame.length) offset += await conn.write(frame.subarray(offset));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
