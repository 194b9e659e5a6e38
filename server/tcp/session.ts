/**
 * One TCRP connection: read one request within the deadline, answer it, collect the optional
 * UDP port announcement, close.
 *
 * @module
 */

import {
  decodeName,
  decodeRoomRequest,
  encodeRoomListFrame,
  encodeStatusFrame,
  encodeTokenFrame,
  Operation,
  ProtocolError,
  State,
  Status,
  type TcrpFrame,
  TcrpFrameReader,
} from "../../protocol/mod.ts";
import { writeAll } from "../../util/mod.ts";
import type { FaultLog } from "../faults.ts";
import type { Logger } from "../log.ts";
import type { PasswordHasher } from "../password.ts";
import {
  type Admission,
  type AdmissionRequest,
  type Member,
  type ServerState,
  tokenPrefix,
} from "../state/mod.ts";
import { closeQuietly, Deadline, isConnectionError } from "./connection.ts";
import { readAnnouncement, readRequest, RefusedRequest } from "./reads.ts";

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
      await writeAll(conn, encodeStatusFrame(error.operation, error.roomName, status));
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
    await writeAll(conn, encodeStatusFrame(frame.operation, frame.roomName, answer.status));
    if (answer.list !== undefined) await writeAll(conn, answer.list);
    if (answer.member !== undefined) {
      await deliverToken(conn, frame, answer.member, answer.resumed === true, ctx);
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
  /** True when the member came back with its token (§2.5): it is not withdrawn on a failed write. */
  resumed?: boolean;
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
  const { username, password, eventFormat, resume } = decodeRoomRequest(frame.payload);
  const request: AdmissionRequest = {
    roomName,
    roomNameBytes: frame.roomName,
    username,
    kaiwa: eventFormat > 0,
    ip,
  };
  if (resume !== undefined && frame.operation === Operation.JoinRoom) request.resume = resume;
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
  return { status: Status.Ok, member: admission.member, resumed: admission.resumed === true };
}

async function deliverToken(
  conn: Deno.Conn,
  frame: TcrpFrame,
  member: Member,
  resumed: boolean,
  ctx: SessionContext,
): Promise<void> {
  try {
    await writeAll(conn, encodeTokenFrame(frame.operation, frame.roomName, member.token));
  } catch (error) {
    // A resumed member was in the room before this connection: it stays, as after a lost reply.
    if (resumed) throw error;
    ctx.log.info(
      `token ${tokenPrefix(member.token)} for "${member.name}" not delivered; withdrawn`,
    );
    ctx.state.withdraw(member, ctx.now());
    throw error;
  }
}
