/**
 * The payload of a create or join request (docs/protocol.md §2.5): a JSON object, or for the
 * oldest clients the raw username.
 *
 * @module
 */

import { EVENT_FORMAT_VERSION, MAX_TOKEN_BYTES, State } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { validateName } from "./names.ts";
import { encodeTcrpFrame } from "./tcrp.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

/** A create or join request, as the server understands it. */
export interface RoomRequest {
  /** The member's name in the room (naming rules apply). */
  username: string;
  /** The room password, or null when there is none (`""`, `null` and absent all mean none). */
  password: string | null;
  /** 0 for standard text datagrams, 1 for kaiwa's binary events (§4). */
  eventFormat: number;
  /**
   * A join only: the token the client held in this room, to come back as the same member
   * (docs/protocol.md §2.5). Absent means an ordinary join; decoding leaves it out then.
   */
  resume?: string;
  /**
   * True to ask for a session (`"session": 1`, docs/protocol.md §7.1): sealed datagrams, granted
   * only over TLS. Absent or false means none; decoding leaves it out then.
   */
  session?: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Encodes a request payload as kaiwa sends it: `{"username", "password"?, "kaiwa"?, "resume"?, "session"?}`.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(encodeRoomRequest({ username: "ann", password: null, eventFormat: 1 }));
 * // '{"username":"ann","kaiwa":1}'
 * ```
 */
export function encodeRoomRequest(request: RoomRequest): Uint8Array {
  const body: Record<string, unknown> = { username: request.username };
  if (request.password !== null) body.password = request.password;
  if (request.eventFormat > 0) body.kaiwa = request.eventFormat;
  if (request.resume !== undefined) body.resume = request.resume;
  if (request.session === true) body.session = 1;
  return encodeUtf8(JSON.stringify(body));
}

/**
 * Decodes a request payload. A JSON object gives its fields (`username`, or `user_name` as
 * standard clients send it; `password`; `kaiwa`; `resume`; `session`); anything else is the raw UTF-8 username.
 * An event format above what this version speaks is lowered to it.
 *
 * @throws {InvalidTextError} when the payload is not UTF-8 or the username breaks the naming rules.
 * @throws {ProtocolError} when a field has the wrong type.
 */
export function decodeRoomRequest(payload: Uint8Array): RoomRequest {
  const text = decodeUtf8(payload, "request payload");
  const fields = parseObject(text);
  if (fields === null) {
    return { username: validateName(text, "username"), password: null, eventFormat: 0 };
  }
  const username = fields.username ?? fields.user_name;
  if (typeof username !== "string") {
    throw new ProtocolError("Cannot decode request: username is missing or not a string");
  }
  const request: RoomRequest = {
    username: validateName(username, "username"),
    password: readPassword(fields.password),
    eventFormat: readEventFormat(fields.kaiwa),
  };
  const resume = readResume(fields.resume);
  if (resume !== null) request.resume = resume;
  if (readSession(fields.session)) request.session = true;
  return request;
}

/**
 * Encodes a whole request frame; `request` is null for operations without a payload (list).
 *
 * @example
 * ```ts
 * encodeRequestFrame(3, "", null).length; // 32
 * ```
 */
export function encodeRequestFrame(
  operation: number,
  roomName: string,
  request: RoomRequest | null,
): Uint8Array {
  return encodeTcrpFrame({
    operation,
    state: State.Request,
    roomName,
    payload: request === null ? EMPTY : encodeRoomRequest(request),
  });
}

function parseObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : null;
}

function readPassword(value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") {
    throw new ProtocolError("Cannot decode request: password is not a string");
  }
  return value;
}

function readEventFormat(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ProtocolError("Cannot decode request: kaiwa is not a non-negative integer");
  }
  return Math.min(value, EVENT_FORMAT_VERSION);
}

/** `session`: 1 asks for a session; absent, null and 0 do not (§7.1). */
function readSession(value: unknown): boolean {
  if (value === undefined || value === null || value === 0) return false;
  if (value !== 1) throw new ProtocolError("Cannot decode request: session is not 0 or 1");
  return true;
}

/** A token is 1–255 bytes (§1.1); `""` and `null` mean no resume, like an absent field. */
function readResume(value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") {
    throw new ProtocolError("Cannot decode request: resume is not a string");
  }
  if (encodeUtf8(value).length > MAX_TOKEN_BYTES) {
    throw new ProtocolError(`Cannot decode request: resume is over ${MAX_TOKEN_BYTES} bytes`);
  }
  return value;
}
