/**
 * Server responses (docs/protocol.md §2.3–§2.6): the status frame, the token frame, the room
 * list, and the 2-byte UDP port announcement a client may send after its token.
 *
 * @module
 */

import {
  DEFAULT_MAX_PAYLOAD_SIZE,
  MAX_TOKEN_BYTES,
  Operation,
  State,
  UDP_PORT_ANNOUNCEMENT_SIZE,
} from "./constants.ts";
import { ProtocolError, TruncatedError } from "./errors.ts";
import { encodeTcrpFrame, type TcrpFrame } from "./tcrp.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";
import { decodeSessionGrant, encodeSessionGrant, type SessionGrant } from "./session_grant.ts";

/** One room in a room list. */
export interface RoomSummary {
  /** The room's name. */
  name: string;
  /** How many members it has. */
  members: number;
  /** Whether joining needs a password. */
  password: boolean;
}

/** A decoded room list. */
export interface RoomList {
  /** The rooms, in the server's order. */
  rooms: RoomSummary[];
  /** True when the server left rooms out to fit its payload limit. */
  truncated: boolean;
}

const EMPTY = new Uint8Array(0);
const MAX_PORT = 0xffff;
const LIST_PREFIX = '{"rooms":[';
const listSuffix = (truncated: boolean) => `],"truncated":${truncated}}`;

/**
 * Encodes a Response frame carrying one status byte.
 *
 * @example
 * ```ts
 * encodeStatusFrame(1, new TextEncoder().encode("a"), 0).length; // 34
 * ```
 */
export function encodeStatusFrame(
  operation: number,
  roomName: Uint8Array,
  status: number,
): Uint8Array {
  return encodeTcrpFrame({
    operation,
    state: State.Response,
    roomName,
    payload: Uint8Array.of(status),
  });
}

/**
 * Encodes a Complete frame carrying the client's token.
 *
 * @throws {RangeError} when the token is empty or longer than 255 bytes.
 */
export function encodeTokenFrame(
  operation: number,
  roomName: Uint8Array,
  token: string,
): Uint8Array {
  const payload = encodeUtf8(token);
  if (payload.length === 0 || payload.length > MAX_TOKEN_BYTES) {
    throw new RangeError(
      `Cannot encode token of ${payload.length} bytes: it must be 1 to ${MAX_TOKEN_BYTES}`,
    );
  }
  return encodeTcrpFrame({ operation, state: State.Complete, roomName, payload });
}

/**
 * Encodes the Session frame (state 3, §7.1) that follows the token when the request asked for a
 * session: the grant, or an empty payload when no session is granted (a plain TCP connection).
 *
 * @throws {RangeError} when the grant's id is not a u32 or its secret is not 32 bytes.
 */
export function encodeSessionFrame(
  operation: number,
  roomName: Uint8Array,
  grant: SessionGrant | null,
): Uint8Array {
  const payload = grant === null ? EMPTY : encodeSessionGrant(grant);
  return encodeTcrpFrame({ operation, state: State.Session, roomName, payload });
}

/**
 * Reads a Session frame: the grant, or null when the server granted none.
 *
 * @throws {ProtocolError} when the frame is not in state Session or its payload is neither empty
 * nor 36 bytes.
 */
export function decodeSessionFrame(frame: TcrpFrame): SessionGrant | null {
  if (frame.state !== State.Session) {
    throw new ProtocolError(
      `Cannot decode session grant: expected state ${State.Session}, got ${frame.state}`,
    );
  }
  return decodeSessionGrant(frame.payload);
}

/**
 * Encodes the Complete frame of a ListRooms response: `{"rooms":[…],"truncated":bool}`. Rooms
 * that would push the frame past `maxPayloadSize` are left out and `truncated` is set.
 *
 * @throws {RangeError} when `maxPayloadSize` cannot hold even an empty list.
 */
export function encodeRoomListFrame(
  rooms: readonly RoomSummary[],
  maxPayloadSize: number = DEFAULT_MAX_PAYLOAD_SIZE,
): Uint8Array {
  // The suffix is sized for "false", the longer of the two, so the budget holds either way.
  let budget = maxPayloadSize - LIST_PREFIX.length - listSuffix(false).length;
  if (budget < 0) {
    throw new RangeError(
      `Cannot encode room list: a limit of ${maxPayloadSize} bytes is too small`,
    );
  }
  const entries: string[] = [];
  for (const room of rooms) {
    const entry = JSON.stringify({
      name: room.name,
      members: room.members,
      password: room.password,
    });
    const cost = encodeUtf8(entry).length + (entries.length > 0 ? 1 : 0);
    if (cost > budget) break;
    entries.push(entry);
    budget -= cost;
  }
  const truncated = entries.length < rooms.length;
  const payload = encodeUtf8(LIST_PREFIX + entries.join(",") + listSuffix(truncated));
  return encodeTcrpFrame({
    operation: Operation.ListRooms,
    state: State.Complete,
    roomName: EMPTY,
    payload,
  });
}

/**
 * Reads the status byte of a Response frame.
 *
 * @throws {ProtocolError} when the frame is not a Response or its payload is not one byte.
 */
export function decodeStatus(frame: TcrpFrame): number {
  if (frame.state !== State.Response) {
    throw new ProtocolError(
      `Cannot decode status: expected state ${State.Response}, got ${frame.state}`,
    );
  }
  if (frame.payload.length !== 1) {
    throw new ProtocolError(
      `Cannot decode status: payload of ${frame.payload.length} bytes, expected 1`,
    );
  }
  return frame.payload[0];
}

/**
 * Reads the token of a Complete frame.
 *
 * @throws {ProtocolError} when the frame is not Complete or the token is empty or too long.
 * @throws {InvalidTextError} when the token is not UTF-8.
 */
export function decodeToken(frame: TcrpFrame): string {
  expectComplete(frame, "token");
  if (frame.payload.length === 0 || frame.payload.length > MAX_TOKEN_BYTES) {
    throw new ProtocolError(
      `Cannot decode token: ${frame.payload.length} bytes, expected 1 to ${MAX_TOKEN_BYTES}`,
    );
  }
  return decodeUtf8(frame.payload, "token");
}

/**
 * Reads the room list of a ListRooms Complete frame.
 *
 * @throws {ProtocolError} when the frame or its JSON is not a room list.
 * @throws {InvalidTextError} when the payload is not UTF-8.
 */
export function decodeRoomList(frame: TcrpFrame): RoomList {
  expectComplete(frame, "room list");
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(frame.payload, "room list"));
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause;
    throw new ProtocolError("Cannot decode room list: not JSON", { cause });
  }
  const list = value as { rooms?: unknown; truncated?: unknown } | null;
  if (typeof list !== "object" || list === null || !Array.isArray(list.rooms)) {
    throw new ProtocolError("Cannot decode room list: no rooms array");
  }
  const rooms = list.rooms.map((room: unknown): RoomSummary => {
    const r = room as Partial<RoomSummary> | null;
    if (
      typeof r !== "object" || r === null || typeof r.name !== "string" ||
      typeof r.members !== "number" || typeof r.password !== "boolean"
    ) {
      throw new ProtocolError("Cannot decode room list: an entry lacks name, members or password");
    }
    return { name: r.name, members: r.members, password: r.password };
  });
  return { rooms, truncated: list.truncated === true };
}

/**
 * Encodes the UDP port announcement: 2 bytes, big-endian.
 *
 * @throws {RangeError} when the port is not 1–65535.
 */
export function encodePortAnnouncement(port: number): Uint8Array {
  if (!Number.isInteger(port) || port < 1 || port > MAX_PORT) {
    throw new RangeError(`Cannot encode UDP port ${port}: it must be 1 to ${MAX_PORT}`);
  }
  return Uint8Array.of(port >> 8, port & 0xff);
}

/**
 * Decodes the UDP port announcement.
 *
 * @throws {TruncatedError} when it is shorter than 2 bytes.
 * @throws {ProtocolError} when it is longer than 2 bytes or announces port 0.
 */
export function decodePortAnnouncement(bytes: Uint8Array): number {
  if (bytes.length > UDP_PORT_ANNOUNCEMENT_SIZE) {
    throw new ProtocolError(
      `Cannot decode UDP port announcement: got ${bytes.length} bytes, expected ${UDP_PORT_ANNOUNCEMENT_SIZE}`,
    );
  }
  if (bytes.length < UDP_PORT_ANNOUNCEMENT_SIZE) {
    throw new TruncatedError(
      `Cannot decode UDP port announcement: got ${bytes.length} bytes, need ${UDP_PORT_ANNOUNCEMENT_SIZE}`,
    );
  }
  const port = (bytes[0] << 8) | bytes[1];
  if (port === 0) throw new ProtocolError("Cannot decode UDP port announcement: port 0");
  return port;
}

function expectComplete(frame: TcrpFrame, what: string): void {
  if (frame.state !== State.Complete) {
    throw new ProtocolError(
      `Cannot decode ${what}: expected state ${State.Complete}, got ${frame.state}`,
    );
  }
}
