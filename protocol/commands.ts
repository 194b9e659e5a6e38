/**
 * What a kaiwa client puts in a datagram's message (docs/protocol.md §3.2): nothing for a
 * keep-alive, otherwise a command byte and its argument.
 *
 * @module
 */

import { Command, MAX_NACK_RANGE, PingFlag } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

/** A kaiwa client's command, decoded. */
export type ClientCommand =
  | { type: "keepalive" }
  | { type: "chat"; text: string; id?: number }
  | { type: "nack"; from: number; to: number }
  | { type: "leave" }
  | { type: "who" }
  | {
    type: "ping";
    /** Ask for the room's latest seq in the Pong ({@linkcode PingFlag.Latest}). */
    latest?: boolean;
  };

const KEEPALIVE = new Uint8Array(0);
const U32 = 4;
/** ChatWithId: the command byte and the id (§3.2). */
const CHAT_WITH_ID_HEADER = 1 + U32;
/** Nack: the command byte, from and to (§3.2). */
const NACK_SIZE = 1 + 2 * U32;
const TWO_TO_32 = 2 ** 32;

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= TWO_TO_32) {
    throw new RangeError(`Cannot encode command: ${what} ${value} is not a u32`);
  }
  return value;
}

/** A NACK range: from ≤ to, both u32, at most {@linkcode MAX_NACK_RANGE} seqs. */
function checkNackRange(from: number, to: number): void {
  checkU32(from, "from");
  checkU32(to, "to");
  if (to < from || to - from + 1 > MAX_NACK_RANGE) {
    throw new RangeError(`NACK range ${from}-${to} is not 1 to ${MAX_NACK_RANGE} seqs`);
  }
}

/**
 * Encodes a command as a datagram message body.
 *
 * @example
 * ```ts
 * encodeCommand({ type: "chat", text: "hi" }); // Uint8Array [1, 104, 105]
 * ```
 */
export function encodeCommand(command: ClientCommand): Uint8Array {
  switch (command.type) {
    case "keepalive":
      return KEEPALIVE;
    case "chat": {
      const text = encodeUtf8(command.text);
      if (command.id === undefined) {
        const out = new Uint8Array(1 + text.length);
        out[0] = Command.Chat;
        out.set(text, 1);
        return out;
      }
      const out = new Uint8Array(CHAT_WITH_ID_HEADER + text.length);
      out[0] = Command.ChatWithId;
      new DataView(out.buffer).setUint32(1, checkU32(command.id, "message id"));
      out.set(text, CHAT_WITH_ID_HEADER);
      return out;
    }
    case "nack": {
      checkNackRange(command.from, command.to);
      const out = new Uint8Array(NACK_SIZE);
      out[0] = Command.Nack;
      const view = new DataView(out.buffer);
      view.setUint32(1, command.from);
      view.setUint32(1 + U32, command.to);
      return out;
    }
    case "leave":
      return Uint8Array.of(Command.Leave);
    case "who":
      return Uint8Array.of(Command.Who);
    case "ping":
      return command.latest === true
        ? Uint8Array.of(Command.Ping, PingFlag.Latest)
        : Uint8Array.of(Command.Ping);
  }
}

/**
 * Decodes a message body. Bytes after a Leave or Who command are reserved and ignored, and so are
 * those after a Ping's flags byte and its unknown flags.
 *
 * @throws {ProtocolError} for an unknown command byte.
 * @throws {InvalidTextError} when chat text is not UTF-8.
 */
export function decodeCommand(body: Uint8Array): ClientCommand {
  if (body.length === 0) return { type: "keepalive" };
  switch (body[0]) {
    case Command.Chat:
      return { type: "chat", text: decodeUtf8(body.subarray(1), "chat text") };
    case Command.ChatWithId: {
      if (body.length < CHAT_WITH_ID_HEADER) {
        throw new ProtocolError(`Cannot decode command: a ChatWithId of ${body.length} bytes`);
      }
      const id = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
      const text = decodeUtf8(body.subarray(CHAT_WITH_ID_HEADER), "chat text");
      return { type: "chat", text, id };
    }
    case Command.Nack: {
      if (body.length !== NACK_SIZE) {
        throw new ProtocolError(`Cannot decode command: a Nack of ${body.length} bytes, not 9`);
      }
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const from = view.getUint32(1);
      const to = view.getUint32(1 + U32);
      try {
        checkNackRange(from, to);
      } catch (error) {
        throw new ProtocolError(`Cannot decode command: ${(error as Error).message}`);
      }
      return { type: "nack", from, to };
    }
    case Command.Leave:
      return { type: "leave" };
    case Command.Who:
      return { type: "who" };
    case Command.Ping:
      return body.length > 1 && (body[1] & PingFlag.Latest) !== 0
        ? { type: "ping", latest: true }
        : { type: "ping" };
    default:
      throw new ProtocolError(`Cannot decode command: unknown command byte ${body[0]}`);
  }
}
