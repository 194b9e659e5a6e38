/**
 * Client → server datagrams (docs/protocol.md §3.1):
 * RoomNameSize u8 | TokenSize u8 | room name | token | message, 4096 bytes at most.
 *
 * @module
 */

import {
  CLIENT_DATAGRAM_HEADER_SIZE,
  MAX_DATAGRAM_SIZE,
  MAX_NAME_BYTES,
  MAX_TOKEN_BYTES,
} from "./constants.ts";
import { ProtocolError, SizeLimitError, TruncatedError } from "./errors.ts";

/** The parts of a client datagram, as views into the received bytes (nothing is copied). */
export interface ClientDatagram {
  /** The room name's UTF-8 bytes. */
  roomName: Uint8Array;
  /** The token's bytes. */
  token: Uint8Array;
  /** The message body: chat text for standard clients, a command for kaiwa clients (§3.2). */
  message: Uint8Array;
}

/**
 * Splits a client datagram into its parts without copying.
 *
 * @throws {SizeLimitError} when the datagram exceeds 4096 bytes.
 * @throws {TruncatedError} when it ends before its declared room name and token do.
 * @throws {ProtocolError} when the room name or token is empty.
 *
 * @example
 * ```ts
 * parseClientDatagram(Uint8Array.of(1, 1, 0x61, 0x74, 0x68, 0x69)).message.length; // 2
 * ```
 */
export function parseClientDatagram(bytes: Uint8Array): ClientDatagram {
  const messageStart = clientMessageStart(bytes);
  const tokenStart = CLIENT_DATAGRAM_HEADER_SIZE + bytes[0];
  return {
    roomName: bytes.subarray(CLIENT_DATAGRAM_HEADER_SIZE, tokenStart),
    token: bytes.subarray(tokenStart, messageStart),
    message: bytes.subarray(messageStart),
  };
}

/**
 * Checks a client datagram's header and returns where its message starts; the room name is the
 * `bytes[0]` bytes from {@linkcode CLIENT_DATAGRAM_HEADER_SIZE}, the token the `bytes[1]` bytes
 * after it. What the server runs once per datagram: it allocates nothing.
 *
 * @throws {SizeLimitError} when the datagram exceeds 4096 bytes.
 * @throws {TruncatedError} when it ends before its declared room name and token do.
 * @throws {ProtocolError} when the room name or token is empty.
 */
export function clientMessageStart(bytes: Uint8Array): number {
  if (bytes.length > MAX_DATAGRAM_SIZE) {
    throw new SizeLimitError(
      `Cannot decode datagram: ${bytes.length} bytes exceeds ${MAX_DATAGRAM_SIZE}`,
    );
  }
  if (bytes.length < CLIENT_DATAGRAM_HEADER_SIZE) {
    throw new TruncatedError(
      `Cannot decode datagram: got ${bytes.length} bytes, need ${CLIENT_DATAGRAM_HEADER_SIZE}`,
    );
  }
  const roomNameSize = bytes[0];
  const tokenSize = bytes[1];
  if (roomNameSize === 0) throw new ProtocolError("Cannot decode datagram: the room name is empty");
  if (tokenSize === 0) throw new ProtocolError("Cannot decode datagram: the token is empty");
  const messageStart = CLIENT_DATAGRAM_HEADER_SIZE + roomNameSize + tokenSize;
  if (messageStart > bytes.length) {
    throw new TruncatedError(
      `Cannot decode datagram: got ${bytes.length} bytes, room name and token need ${messageStart}`,
    );
  }
  return messageStart;
}

/**
 * Encodes a client datagram.
 *
 * @throws {RangeError} when the room name or token is empty or over 255 bytes, or the whole
 * datagram would exceed 4096 bytes.
 */
export function encodeClientDatagram(
  roomName: Uint8Array,
  token: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  checkField(roomName, MAX_NAME_BYTES, "room name");
  checkField(token, MAX_TOKEN_BYTES, "token");
  const limit = maxMessageSize(roomName.length, token.length);
  if (message.length > limit) {
    throw new RangeError(
      `Cannot encode datagram: message of ${message.length} bytes exceeds ${limit}`,
    );
  }
  const out = new Uint8Array(
    CLIENT_DATAGRAM_HEADER_SIZE + roomName.length + token.length + message.length,
  );
  out[0] = roomName.length;
  out[1] = token.length;
  out.set(roomName, CLIENT_DATAGRAM_HEADER_SIZE);
  out.set(token, CLIENT_DATAGRAM_HEADER_SIZE + roomName.length);
  out.set(message, CLIENT_DATAGRAM_HEADER_SIZE + roomName.length + token.length);
  return out;
}

/** The largest message that fits in one datagram with a room name and token of these sizes. */
export function maxMessageSize(roomNameSize: number, tokenSize: number): number {
  return MAX_DATAGRAM_SIZE - CLIENT_DATAGRAM_HEADER_SIZE - roomNameSize - tokenSize;
}

function checkField(bytes: Uint8Array, max: number, what: string): void {
  if (bytes.length === 0 || bytes.length > max) {
    throw new RangeError(
      `Cannot encode datagram: ${what} of ${bytes.length} bytes must be 1 to ${max}`,
    );
  }
}
