/**
 * TCRP frames (docs/protocol.md §2.1): a 32-byte header, the room name, the payload.
 *
 * @module
 */

import {
  DEFAULT_MAX_PAYLOAD_SIZE,
  MAX_NAME_BYTES,
  TCRP_HEADER_SIZE,
  TCRP_OPERATION_OFFSET,
  TCRP_PAYLOAD_SIZE_OFFSET,
  TCRP_ROOM_NAME_SIZE_OFFSET,
  TCRP_STATE_OFFSET,
} from "./constants.ts";
import { ProtocolError, SizeLimitError, TruncatedError } from "./errors.ts";
import { encodeUtf8 } from "./utf8.ts";

/** The fields of a TCRP header. */
export interface TcrpHeader {
  /** Length of the room name in bytes (0–255). */
  roomNameSize: number;
  /** Operation code (see `Operation`). */
  operation: number;
  /** State code (see `State`). */
  state: number;
  /** Length of the payload in bytes. */
  payloadSize: number;
}

/** A whole TCRP frame. Room name and payload are raw bytes; their meaning is the caller's. */
export interface TcrpFrame {
  /** Operation code (see `Operation`). */
  operation: number;
  /** State code (see `State`). */
  state: number;
  /** The room name's UTF-8 bytes (not yet validated). */
  roomName: Uint8Array;
  /** The operation payload. */
  payload: Uint8Array;
}

/** What `encodeTcrpFrame` takes: a frame whose room name may still be a string. */
export interface TcrpFrameInit {
  /** Operation code (see `Operation`). */
  operation: number;
  /** State code (see `State`). */
  state: number;
  /** The room name, as text or UTF-8 bytes. */
  roomName: Uint8Array | string;
  /** The operation payload. */
  payload: Uint8Array;
}

// The 29-byte size field is read as its low 6 bytes (hi u16 + lo u32); the 23 bytes above them
// must be zero. 2^48 is far beyond any limit, and the value stays an exact JavaScript number.
const SIZE_HIGH_OFFSET = TCRP_HEADER_SIZE - 6;
const SIZE_LOW_OFFSET = TCRP_HEADER_SIZE - 4;
const TWO_TO_32 = 2 ** 32;
const MAX_ENCODABLE_PAYLOAD = 2 ** 48 - 1;
const MAX_CODE = 0xff;

/**
 * Encodes one frame: header, room name, payload, in one buffer (one write on the socket).
 *
 * @throws {RangeError} when a code is not a byte, the room name exceeds 255 bytes, or the
 * payload is too large to declare.
 *
 * @example
 * ```ts
 * const frame = encodeTcrpFrame({ operation: 1, state: 0, roomName: "a", payload: new Uint8Array() });
 * frame.length; // 33
 * ```
 */
export function encodeTcrpFrame(frame: TcrpFrameInit): Uint8Array {
  const roomName = typeof frame.roomName === "string" ? encodeUtf8(frame.roomName) : frame.roomName;
  checkByte(frame.operation, "operation");
  checkByte(frame.state, "state");
  if (roomName.length > MAX_NAME_BYTES) {
    throw new RangeError(
      `Cannot encode TCRP frame: room name of ${roomName.length} bytes exceeds ${MAX_NAME_BYTES}`,
    );
  }
  if (frame.payload.length > MAX_ENCODABLE_PAYLOAD) {
    throw new RangeError(
      `Cannot encode TCRP frame: payload of ${frame.payload.length} bytes is too large`,
    );
  }
  const out = new Uint8Array(TCRP_HEADER_SIZE + roomName.length + frame.payload.length);
  out[TCRP_ROOM_NAME_SIZE_OFFSET] = roomName.length;
  out[TCRP_OPERATION_OFFSET] = frame.operation;
  out[TCRP_STATE_OFFSET] = frame.state;
  const view = new DataView(out.buffer);
  view.setUint16(SIZE_HIGH_OFFSET, Math.floor(frame.payload.length / TWO_TO_32));
  view.setUint32(SIZE_LOW_OFFSET, frame.payload.length >>> 0);
  out.set(roomName, TCRP_HEADER_SIZE);
  out.set(frame.payload, TCRP_HEADER_SIZE + roomName.length);
  return out;
}

/**
 * Decodes the 32-byte header at the start of `bytes`.
 *
 * @throws {TruncatedError} when fewer than 32 bytes are given.
 * @throws {SizeLimitError} when the declared payload size exceeds `maxPayloadSize`.
 */
export function decodeTcrpHeader(
  bytes: Uint8Array,
  maxPayloadSize: number = DEFAULT_MAX_PAYLOAD_SIZE,
): TcrpHeader {
  if (bytes.length < TCRP_HEADER_SIZE) {
    throw new TruncatedError(
      `Cannot decode TCRP header: got ${bytes.length} bytes, need ${TCRP_HEADER_SIZE}`,
    );
  }
  for (let i = TCRP_PAYLOAD_SIZE_OFFSET; i < SIZE_HIGH_OFFSET; i++) {
    if (bytes[i] !== 0) {
      throw new SizeLimitError(
        `Cannot decode TCRP header: payload size exceeds 2^48 bytes, the limit is ${maxPayloadSize}`,
      );
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, TCRP_HEADER_SIZE);
  const payloadSize = view.getUint16(SIZE_HIGH_OFFSET) * TWO_TO_32 +
    view.getUint32(SIZE_LOW_OFFSET);
  if (payloadSize > maxPayloadSize) {
    throw new SizeLimitError(
      `Cannot decode TCRP header: payload size ${payloadSize} exceeds the limit of ${maxPayloadSize}`,
    );
  }
  return {
    roomNameSize: bytes[TCRP_ROOM_NAME_SIZE_OFFSET],
    operation: bytes[TCRP_OPERATION_OFFSET],
    state: bytes[TCRP_STATE_OFFSET],
    payloadSize,
  };
}

/** Total length of the frame a header announces. */
export function tcrpFrameLength(header: TcrpHeader): number {
  return TCRP_HEADER_SIZE + header.roomNameSize + header.payloadSize;
}

/**
 * Decodes exactly one frame. The room name and payload are views into `bytes`, not copies.
 *
 * @throws {TruncatedError} when the bytes end before the frame does.
 * @throws {SizeLimitError} when the declared payload size exceeds `maxPayloadSize`.
 * @throws {ProtocolError} when bytes follow the frame.
 */
export function decodeTcrpFrame(
  bytes: Uint8Array,
  maxPayloadSize: number = DEFAULT_MAX_PAYLOAD_SIZE,
): TcrpFrame {
  const header = decodeTcrpHeader(bytes, maxPayloadSize);
  const length = tcrpFrameLength(header);
  if (bytes.length < length) {
    throw new TruncatedError(
      `Cannot decode TCRP frame: got ${bytes.length} bytes, the header declares ${length}`,
    );
  }
  if (bytes.length > length) {
    throw new ProtocolError(
      `Cannot decode TCRP frame: ${bytes.length - length} bytes follow the frame`,
    );
  }
  return frameAt(bytes, header);
}

/** Builds the frame a decoded header describes from bytes known to hold all of it. */
export function frameAt(bytes: Uint8Array, header: TcrpHeader): TcrpFrame {
  const nameEnd = TCRP_HEADER_SIZE + header.roomNameSize;
  return {
    operation: header.operation,
    state: header.state,
    roomName: bytes.subarray(TCRP_HEADER_SIZE, nameEnd),
    payload: bytes.subarray(nameEnd, nameEnd + header.payloadSize),
  };
}

function checkByte(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_CODE) {
    throw new RangeError(`Cannot encode TCRP frame: ${what} ${value} is not a byte`);
  }
}
