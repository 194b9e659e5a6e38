/**
 * What standard clients receive (docs/protocol.md §3.3): each chat message as the UTF-8 text
 * `<username>: <message>`, and each notice as a plain line starting with `* `.
 *
 * @module
 */

import { CloseReason, LeaveReason, RemoveReason } from "./constants.ts";
import type { KaiwaEvent } from "./events.ts";
import { neutralizeString, neutralizeText } from "./text_safety.ts";
import { type ByteAllocator, newBytes } from "../util/mod.ts";

const SEPARATOR = Uint8Array.of(0x3a, 0x20); // ": "
const NOTICE_PREFIX = "* ";

/**
 * Encodes a relayed chat message for standard clients, once for all of them. The text is
 * neutralised ({@link neutralizeText}): a standard client prints it as it comes, so a CR LF in it
 * could forge a line from another sender. `sender` is a name, already free of controls (§1.2).
 * `alloc` makes the output array (the server cuts it from a `ByteSlab`).
 *
 * @example
 * ```ts
 * const te = new TextEncoder();
 * new TextDecoder().decode(encodeTextChat(te.encode("ann"), te.encode("hi"))); // "ann: hi"
 * ```
 */
export function encodeTextChat(
  sender: Uint8Array,
  message: Uint8Array,
  alloc: ByteAllocator = newBytes,
): Uint8Array {
  const text = neutralizeText(message);
  const out = alloc(sender.length + SEPARATOR.length + text.length);
  out.set(sender, 0);
  out.set(SEPARATOR, sender.length);
  out.set(text, sender.length + SEPARATOR.length);
  return out;
}

/**
 * The text notice a standard client gets for an event, or null for events it has no use for
 * (chat is relayed with `encodeTextChat`; members and pong answer kaiwa commands). Names and
 * notice texts hold no controls already; the notice is neutralised all the same
 * ({@link neutralizeString}), so that no path to a standard client depends on a check elsewhere.
 *
 * @example
 * ```ts
 * formatTextNotice({ type: "joined", time: 0, names: ["ann", "bo"] }); // "* ann, bo joined"
 * ```
 */
export function formatTextNotice(event: KaiwaEvent): string | null {
  const text = describeEvent(event);
  return text === null ? null : neutralizeString(text);
}

function describeEvent(event: KaiwaEvent): string | null {
  switch (event.type) {
    case "joined":
      return `${NOTICE_PREFIX}${event.names.join(", ")} joined`;
    case "left":
      return `${NOTICE_PREFIX}${event.names.join(", ")} ${describeLeave(event.reason)}`;
    case "room-closed":
      return `${NOTICE_PREFIX}the room was closed: ${describeClose(event.reason)}`;
    case "removed":
      return `${NOTICE_PREFIX}you were removed ${REMOVE_CAUSE[event.reason] ?? "by the server"}`;
    case "shutdown":
      return `${NOTICE_PREFIX}the server is shutting down`;
    case "notice":
      return `${NOTICE_PREFIX}${event.text}`;
    case "gap":
      return `${NOTICE_PREFIX}${gapCount(event)} could not be recovered`;
    case "chat":
    case "members":
    case "pong":
      return null;
  }
}

/** "1 message" or "N messages": how many a gap event names. */
function gapCount(event: { from: number; to: number }): string {
  const count = event.to - event.from + 1;
  return count === 1 ? "1 message" : `${count} messages`;
}

/**
 * How a member left, as words ("left", "timed out", "became unreachable"); shared by the notices
 * and the server's log. An unknown code reads as "left".
 */
export function describeLeave(reason: number): string {
  return LEFT_VERB[reason] ?? "left";
}

/** Why a room closed, as words ("the host left", …); an unknown code reads as "it ended". */
export function describeClose(reason: number): string {
  return CLOSE_CAUSE[reason] ?? "it ended";
}

const LEFT_VERB: Record<number, string> = {
  [LeaveReason.Left]: "left",
  [LeaveReason.TimedOut]: "timed out",
  [LeaveReason.Unreachable]: "became unreachable",
};

const CLOSE_CAUSE: Record<number, string> = {
  [CloseReason.HostLeft]: "the host left",
  [CloseReason.HostTimedOut]: "the host timed out",
  [CloseReason.HostUnreachable]: "the host became unreachable",
};

const REMOVE_CAUSE: Record<number, string> = {
  [RemoveReason.Inactivity]: "for inactivity",
};
