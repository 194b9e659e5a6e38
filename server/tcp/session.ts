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
  encodeSessionFrame,
  encodeStatusFrame,
  encodeTokenFrame,
  Operation,
  ProtocolError,
  State,
  Status,
  type TcrpFrame,
  TcrpFrameReader,
} from "../../protocol/mod.ts";
import { type ByteConn, MS_PER_SECOND, writeAll } from "../../util/mod.ts";
import type { FaultLog } from "../faults.ts";
import type { Logger } from "../log.ts";
import type { RefusalLog } from "../refusal_log.ts";
import type { PasswordHasher } from "../password.ts";
import { HashAbandoned, HashBudgetExceeded, type PasswordBudget } from "../password_budget.ts";
import type { PasswordThrottle } from "../password_throttle.ts";
import {
  type Admission,
  type AdmissionRequest,
  type Member,
  type ServerState,
  tokenPrefix,
} from "../state/mod.ts";
import { closeQuietly, Deadline, isConnectionError } from "./connection.ts";
import { readAnnouncement, readRequest, RefusedRequest } from "./reads.ts";

/**
 * Largest request payload the server reads (the protocol allows 64 KiB). A kaiwa request is JSON
 * with a username of at most 255 bytes (at most 6 bytes each once escaped) and a password: 8 KiB
 * leaves a password of over 6 KiB, and bounds what an incomplete request holds to an eighth of
 * 64 KiB (1,024 connections each holding 64 KiB cost 381 MiB, issue 10, #10).
 */
export const MAX_REQUEST_PAYLOAD_SIZE = 8 * 1024;

const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([name, code]) => [code, name]));

/** What sessions report for the metrics (`ServerMetrics`). */
export interface RequestMetrics {
  /** A request was refused with the status named `status` (`RoomFull`, `WrongPassword`…). */
  refused(status: string): void;
  /** A create or join was admitted `seconds` after its request was read (password hash included). */
  admitted(seconds: number): void;
}

/** What a connection needs from the server. */
export interface SessionContext {
  /** The server state. */
  readonly state: ServerState;
  /** Hashes and checks room passwords. */
  readonly hasher: PasswordHasher;
  /** How many hashes may run and wait at once, shared by every connection. */
  readonly hashBudget: PasswordBudget;
  /** Hashes per IP and wrong passwords per room. */
  readonly passwordThrottle: PasswordThrottle;
  /** The log. */
  readonly log: Logger;
  /** Where refusals are logged, a few lines per IP per minute. */
  readonly refusals: RefusalLog;
  /** Where exceptions escaping a request's handling are counted and logged. */
  readonly faults: FaultLog;
  /** The clock. */
  readonly now: () => number;
  /** Time a connection has for its request. */
  readonly requestTimeoutMs: number;
  /**
   * Time a connection has for the 32-byte header of its request, and again for its 2-byte port
   * announcement after the token (a client sends it at once).
   */
  readonly headerTimeoutMs: number;
  /**
   * Grants sessions (docs/protocol.md §7.1) over plain TCP too. Tests and benchmarks only: over
   * plain TCP the secret can be read on the path. False (the default) grants them only on
   * connections the front marks {@linkcode SessionWatch.secure}.
   */
  readonly plainSessions?: boolean;
  /** Where refusals and admissions are counted; none by default. */
  readonly metrics?: RequestMetrics;
}

/** What the front wants to know of a connection, and tell it. */
export interface SessionWatch {
  /** Aborted when the front closed the connection to make room: its hash is then not started. */
  readonly evicted: AbortSignal;
  /** Called once the whole request is in: the connection is no longer incomplete. */
  requestRead(): void;
  /**
   * Called once the token is out and only the optional port announcement may come: the
   * connection holds nothing worth keeping, so it may be evicted like an incomplete one.
   */
  awaitingAnnouncement(): void;
  /** True when the connection came over TLS (docs/protocol.md §2.8), false for plain TCRP. */
  readonly secure: boolean;
}

/** Serves one connection from `ip` to its end; never throws. */
export async function serveConnection(
  conn: ByteConn,
  ip: string,
  ctx: SessionContext,
  watch: SessionWatch,
): Promise<void> {
  const deadline = new Deadline(conn);
  deadline.restart(ctx.requestTimeoutMs);
  // The header's own, shorter deadline: an empty or stalled connection goes early.
  const headerDeadline = new Deadline(conn);
  headerDeadline.restart(ctx.headerTimeoutMs);
  const reader = new TcrpFrameReader(MAX_REQUEST_PAYLOAD_SIZE);
  const alive = () => !deadline.expired && !headerDeadline.expired && !watch.evicted.aborted;
  let readAt = 0;
  try {
    let frame: TcrpFrame | null;
    try {
      frame = await readRequest(conn, reader, () => headerDeadline.clear());
      watch.requestRead();
      readAt = ctx.now();
    } catch (error) {
      if (!(error instanceof RefusedRequest)) throw error;
      watch.requestRead();
      // An oversized request is a request too: it counts against the per-IP limit.
      const status = ctx.state.allowRequest(ip, ctx.now())
        ? Status.InvalidRequest
        : Status.TooManyRequests;
      logRefusal(ctx, ip, status, `refused a request from ${ip}: ${error.message}`);
      await writeAll(conn, encodeStatusFrame(error.operation, error.roomName, status));
      return;
    }
    if (frame === null) return;
    const answer = await answerRoomRequest(frame, ip, ctx, alive);
    if (answer.status !== Status.Ok) {
      logRefusal(
        ctx,
        ip,
        answer.status,
        `refused operation ${frame.operation} from ${ip}: ${STATUS_NAMES[answer.status]}`,
      );
    }
    await writeAll(conn, encodeStatusFrame(frame.operation, frame.roomName, answer.status));
    if (answer.list !== undefined) await writeAll(conn, answer.list);
    if (answer.member !== undefined) {
      ctx.metrics?.admitted((ctx.now() - readAt) / MS_PER_SECOND);
      await deliverToken(conn, frame, answer.member, answer.resumed === true, ctx);
      if (answer.wantsSession) {
        const granted = answer.member.kaiwa &&
          (watch.secure === true || ctx.plainSessions === true);
        const grant = granted ? ctx.state.openSession(answer.member) : null;
        await writeAll(conn, encodeSessionFrame(frame.operation, frame.roomName, grant));
      }
      // A connection that only may announce a port must not hold a place for long: one IP
      // holding many would keep everyone else from joining.
      watch.awaitingAnnouncement();
      deadline.restart(ctx.headerTimeoutMs);
      const port = await readAnnouncement(conn, reader);
      if (port !== null) ctx.state.announcePort(answer.member, port, ctx.now());
    }
  } catch (error) {
    // A closed or reset connection ends the session; the deadline closing it is the usual case.
    if (error instanceof HashAbandoned) {
      ctx.log.verbose(`connection from ${ip} ended before its password was hashed`);
    } else if (deadline.expired) {
      ctx.log.verbose(`closed a connection from ${ip}: request timed out`);
    } else if (headerDeadline.expired) {
      ctx.log.verbose(`closed a connection from ${ip}: no request header in time`);
    } else if (watch.evicted.aborted) {
      ctx.log.verbose(`connection from ${ip} ended: evicted`);
    } else if (isConnectionError(error)) {
      ctx.log.verbose(`connection from ${ip} ended: ${(error as Error).message}`);
    } else ctx.faults.report(`a connection from ${ip}`, error);
  } finally {
    deadline.clear();
    headerDeadline.clear();
    closeQuietly(conn);
  }
}

/** The answer to one TCRP request, before it is written. */
export interface RoomAnswer {
  status: Status;
  /** The room list frame of an Ok ListRooms. */
  list?: Uint8Array;
  /** The new member of an Ok create or join. */
  member?: Member;
  /** True when the member came back with its token (§2.5): it is not withdrawn on a failed write. */
  resumed?: boolean;
  /** True when the request asked for a session (§7.1): a Session frame follows the token. */
  wantsSession?: boolean;
}

/**
 * Answers one TCRP request from `ip` with every rule a TCP client meets: the per-IP request rate,
 * names, the password throttle and hash budget, the room and member caps. The web side admits
 * browser members through it too, so that they meet the same rules. `alive` is false once the
 * requester is gone (a hash waiting for its turn is then abandoned: {@linkcode HashAbandoned}).
 *
 * @throws {HashAbandoned} when the requester went away before its password was hashed.
 */
export async function answerRoomRequest(
  frame: TcrpFrame,
  ip: string,
  ctx: SessionContext,
  alive: () => boolean,
): Promise<RoomAnswer> {
  if (frame.state !== State.Request) return { status: Status.InvalidRequest };
  if (!ctx.state.allowRequest(ip, ctx.now())) return { status: Status.TooManyRequests };
  try {
    switch (frame.operation) {
      case Operation.ListRooms:
        return { status: Status.Ok, list: encodeRoomListFrame(ctx.state.listRooms()) };
      case Operation.CreateRoom:
      case Operation.JoinRoom:
        return await admit(frame, ip, ctx, alive);
      default:
        return { status: Status.InvalidRequest };
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { status: Status.InvalidRequest };
    if (error instanceof HashBudgetExceeded) return { status: Status.TooManyRequests };
    if (error instanceof HashAbandoned) throw error;
    ctx.faults.report(`a request from ${ip}`, error);
    return { status: Status.ServerError };
  }
}

/**
 * Refusals are normal events, logged through the per-IP limit. Those a flood causes by nature
 * (the request rate limit) are verbose lines.
 */
export function logRefusal(ctx: SessionContext, ip: string, status: Status, line: string): void {
  ctx.metrics?.refused(STATUS_NAMES[status]);
  ctx.refusals.refused(ip, status === Status.TooManyRequests ? "verbose" : "info", line);
}

/**
 * Creates or joins. A password is hashed only within the per-IP and per-room throttle (else
 * TooManyRequests, no hash) and the global budget (HashBudgetExceeded when it is full), and only
 * while the connection is `alive` (HashAbandoned when it is gone before its turn).
 */
async function admit(
  frame: TcrpFrame,
  ip: string,
  ctx: SessionContext,
  alive: () => boolean,
): Promise<RoomAnswer> {
  const roomName = decodeName(frame.roomName, "room name");
  const { username, password, eventFormat, resume, session } = decodeRoomRequest(frame.payload);
  const request: AdmissionRequest = {
    roomName,
    roomNameBytes: frame.roomName,
    username,
    kaiwa: eventFormat > 0,
    ip,
  };
  if (resume !== undefined && frame.operation === Operation.JoinRoom) request.resume = resume;
  const { state, hasher, hashBudget, passwordThrottle } = ctx;
  let admission: Admission;
  if (frame.operation === Operation.CreateRoom) {
    // Checked before hashing so that a doomed request costs no scrypt; createRoom checks again.
    if (state.passwordOf(roomName) !== undefined) return { status: Status.RoomExists };
    let hash = null;
    if (password !== null) {
      if (!passwordThrottle.mayHash(ip, null, ctx.now())) {
        return { status: Status.TooManyRequests };
      }
      hash = await hashBudget.run(() => hasher.hash(password), alive);
    }
    admission = state.createRoom(request, hash, ctx.now());
  } else {
    const hash = state.passwordOf(roomName);
    if (hash === undefined) return { status: Status.RoomNotFound };
    if (hash !== null) {
      if (password === null) return { status: Status.WrongPassword };
      if (!passwordThrottle.mayHash(ip, roomName, ctx.now())) {
        return { status: Status.TooManyRequests };
      }
      if (!(await hashBudget.run(() => hasher.verify(password, hash), alive))) {
        passwordThrottle.wrong(roomName, ctx.now());
        return { status: Status.WrongPassword };
      }
    }
    admission = state.joinRoom(request, hash, ctx.now());
  }
  if (admission.member === null) return { status: admission.status };
  return {
    status: Status.Ok,
    member: admission.member,
    resumed: admission.resumed === true,
    wantsSession: session === true,
  };
}

async function deliverToken(
  conn: ByteConn,
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
