/**
 * What a kaiwa client puts in a datagram's message (docs/protocol.md §3.2): nothing for a
 * keep-alive, otherwise a command byte and its argument.
 *
 * @module
 */

import { Command } from "./constants.ts";
import { ProtocolError } from "./errors.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

/** A kaiwa client's command, decoded. */
export type ClientCommand =
  | { type: "keepalive" }
  | { type: "chat"; text: string }
  | { type: "leave" }
  | { type: "who" }
  | { type: "ping" };

const KEEPALIVE = new Uint8Array(0);

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
      const out = new Uint8Array(1 + text.length);
      out[0] = Command.Chat;
      out.set(text, 1);
      return out;
    }
    case "leave":
      return Uint8Array.of(Command.Leave);
    case "who":
      return Uint8Array.of(Command.Who);
    case "ping":
      return Uint8Array.of(Command.Ping);
  }
}

/**
 * Decodes a message body. Bytes after a Leave, Who or Ping command are reserved and ignored.
 *
 * @throws {ProtocolError} for an unknown command byte.
 * @throws {InvalidTextError} when chat text is not UTF-8.
 */
export function decodeCommand(body: Uint8Array): ClientCommand {
  if (body.length === 0) return { type: "keepalive" };
  switch (body[0]) {
    case Command.Chat:
      return { type: "chat", text: decodeUtf8(body.subarray(1), "chat text") };
    case Command.Leave:
      return { type: "leave" };
    case Command.Who:
      return { type: "who" };
    case Command.Ping:
      return { type: "ping" };
    default:
      throw new ProtocolError(`Cannot decode command: unknown command byte ${body[0]}`);
  }
}
