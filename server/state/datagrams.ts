/**
 * What a client datagram asks of the state: authentication against token, room and address,
 * then keep-alive, chat, leave or a kaiwa command. Runs once per datagram, so it copies nothing.
 * It decides; the state (through {@linkcode DatagramOps}) changes.
 *
 * @module
 */

import {
  CLIENT_DATAGRAM_HEADER_SIZE,
  clientMessageStart,
  decodeCommand,
  InvalidTextError,
  isFormOfName,
  isWellFormedUtf8,
  NoticeCode,
  type OpenFailure,
  readSessionId,
  SEALED_MARKER,
  SEALED_OVERHEAD,
  SizeLimitError,
  STANDARD_EXIT_MESSAGE,
} from "../../protocol/mod.ts";
import { DropReason } from "./counters.ts";
import { type Member, sameName } from "./room.ts";

/** The operations a datagram can ask for; the state implements them. */
export interface DatagramOps {
  /** The member whose token is the `length` bytes of `bytes` from `start`, if any. */
  memberByTokenBytes(bytes: Uint8Array, start: number, length: number): Member | undefined;
  /** The member whose session has id `id`, if any. */
  memberBySession(id: number): Member | undefined;
  /**
   * A sealed datagram authenticated `member` from `hostname`:`port`: re-binds it there at once,
   * whatever address it had (roaming, docs/protocol.md §7.5), and marks it active.
   */
  roam(member: Member, hostname: string, port: number, now: number, local?: string): void;
  /** Counts a datagram dropped for `reason`. */
  countDrop(reason: DropReason, from: string): void;
  /** Binds or checks the member's address and marks it active; false when dropped. */
  touch(member: Member, hostname: string, port: number, now: number, local?: string): boolean;
  /**
   * Relays validated UTF-8 `text` from `sender`; `id` is its client message id (ChatWithId), and
   * a recently relayed one is only confirmed again.
   */
  chat(sender: Member, text: Uint8Array, now: number, id?: number): void;
  /** Sends kaiwa `member` again what its room holds of the seqs `from` to `to` (a NACK). */
  nack(member: Member, from: number, to: number, now: number): void;
  /** Sends `member` its room's member list. */
  who(member: Member, now: number): void;
  /** Answers a ping; `withLatest` when it asked for the room's latest seq. */
  ping(member: Member, now: number, withLatest: boolean): void;
  /** The member leaves. */
  leave(member: Member, now: number): void;
  /** Tells `member` its datagram was refused for `code`. */
  refuse(member: Member, code: NoticeCode, now: number): void;
}

const EXIT_BYTES = new TextEncoder().encode(STANDARD_EXIT_MESSAGE);
const LF = 0x0a;
/** Offset of the session id in a sealed datagram (§7.3). */
const SESSION_ID_OFFSET = 1;
const OPEN_DROPS: Record<OpenFailure, DropReason> = {
  "malformed": DropReason.Malformed,
  "unknown-session": DropReason.UnknownSession,
  "replay": DropReason.Replay,
  "too-old": DropReason.TooOld,
  "forged": DropReason.Forged,
};
const CR = 0x0d;
/** Where a Chat's text starts: after the command byte. */
const CHAT_TEXT_OFFSET = 1;
/** Where a ChatWithId's text starts: after the command byte and the u32 id (§3.2). */
const CHAT_WITH_ID_TEXT_OFFSET = 5;

/**
 * Handles one datagram from `host`:`port`, sent to the server's `local` address when it arrived
 * on a socket bound to that one address. `bytes` may be a view of a reused receive buffer: it is
 * only read during the call.
 */
export function handleDatagram(
  ops: DatagramOps,
  bytes: Uint8Array,
  host: string,
  port: number,
  now: number,
  local?: string,
): void {
  if (bytes.length > 0 && bytes[0] === SEALED_MARKER) {
    return handleSealed(ops, bytes, host, port, now, local);
  }
  let messageStart;
  try {
    messageStart = clientMessageStart(bytes);
  } catch (error) {
    const reason = error instanceof SizeLimitError ? DropReason.Oversize : DropReason.Malformed;
    ops.countDrop(reason, host);
    return;
  }
  // The room name and the token are read where they lie: no view, no string.
  const nameSize = bytes[0];
  const tokenStart = CLIENT_DATAGRAM_HEADER_SIZE + nameSize;
  const member = ops.memberByTokenBytes(bytes, tokenStart, bytes[1]);
  if (member === undefined) return ops.countDrop(DropReason.UnknownToken, host);
  const room = member.room;
  // Other bytes may still name the same room (NFD for NFC): checked only when they differ.
  if (
    !sameName(room, bytes, CLIENT_DATAGRAM_HEADER_SIZE, nameSize) &&
    !isFormOfName(bytes.subarray(CLIENT_DATAGRAM_HEADER_SIZE, tokenStart), room.name)
  ) {
    return ops.countDrop(DropReason.WrongRoom, host);
  }
  // Its token never travels in a datagram: one that shows it was not sent by its client.
  if (member.session !== null) return ops.countDrop(DropReason.Unsealed, host);
  if (member.ip !== host) return ops.countDrop(DropReason.WrongAddress, host);
  if (!ops.touch(member, host, port, now, local)) return;
  const message = bytes.subarray(messageStart);
  if (member.kaiwa) {
    handleCommand(ops, member, message, now);
  } else {
    handleText(ops, member, message, now);
  }
}

/**
 * A sealed datagram (§7.4): one map lookup for its session, at most one AEAD open, never an
 * answer unless it authenticates; then it proves its member from whatever address (§7.5).
 */
function handleSealed(
  ops: DatagramOps,
  bytes: Uint8Array,
  host: string,
  port: number,
  now: number,
  local?: string,
): void {
  if (bytes.length < SEALED_OVERHEAD) return ops.countDrop(DropReason.Malformed, host);
  const member = ops.memberBySession(readSessionId(bytes, SESSION_ID_OFFSET));
  if (member === undefined || member.session === null) {
    return ops.countDrop(DropReason.UnknownSession, host);
  }
  const message = member.session.open(bytes);
  if (typeof message === "string") return ops.countDrop(OPEN_DROPS[message], host);
  ops.roam(member, host, port, now, local);
  handleCommand(ops, member, message, now);
}

function handleText(ops: DatagramOps, member: Member, message: Uint8Array, now: number): void {
  if (message.length === 0) return;
  if (isExit(message)) return ops.leave(member, now);
  if (!isWellFormedUtf8(message)) return ops.countDrop(DropReason.InvalidText, member.ip);
  ops.chat(member, message, now);
}

function handleCommand(ops: DatagramOps, member: Member, message: Uint8Array, now: number): void {
  let command;
  try {
    command = decodeCommand(message);
  } catch (error) {
    ops.countDrop(DropReason.InvalidText, member.ip);
    const code = error instanceof InvalidTextError
      ? NoticeCode.InvalidText
      : NoticeCode.UnknownCommand;
    ops.refuse(member, code, now);
    return;
  }
  switch (command.type) {
    case "keepalive":
      return;
    case "chat": {
      // The text follows the command byte (and the id), already validated by decodeCommand.
      if (command.text.length === 0) return;
      if (command.id === undefined) {
        return ops.chat(member, message.subarray(CHAT_TEXT_OFFSET), now);
      }
      return ops.chat(member, message.subarray(CHAT_WITH_ID_TEXT_OFFSET), now, command.id);
    }
    case "nack":
      return ops.nack(member, command.from, command.to, now);
    case "leave":
      return ops.leave(member, now);
    case "who":
      return ops.who(member, now);
    case "ping":
      return ops.ping(member, now, command.latest === true);
  }
}

/** "/exit", optionally followed by the line ending a line-oriented client adds. */
function isExit(message: Uint8Array): boolean {
  let end = message.length;
  if (end > 0 && message[end - 1] === LF) end--;
  if (end > 0 && message[end - 1] === CR) end--;
  if (end !== EXIT_BYTES.length) return false;
  for (let i = 0; i < end; i++) {
    if (message[i] !== EXIT_BYTES[i]) return false;
  }
  return true;
}
