/**
 * What a client datagram does to the state: authentication against token, room and address,
 * then keep-alive, chat, leave or a kaiwa command. Runs once per datagram, so it copies nothing.
 *
 * @module
 */

import { NoticeCode, STANDARD_EXIT_MESSAGE } from "../../protocol/constants.ts";
import { decodeCommand } from "../../protocol/commands.ts";
import { parseClientDatagram } from "../../protocol/datagram.ts";
import { InvalidTextError, SizeLimitError } from "../../protocol/errors.ts";
import { isFormOfName } from "../../protocol/names.ts";
import { decodeUtf8 } from "../../protocol/utf8.ts";
import { DropReason } from "./counters.ts";
import type { Member } from "./member.ts";
import type { ServerState } from "./registry.ts";
import { sameName } from "./room.ts";

const MS_PER_SECOND = 1000;
/** Shortest gap between two "slow down" notices to the same member. */
const RATE_NOTICE_INTERVAL_MS = MS_PER_SECOND;
/** Token bytes are ASCII; anything else simply matches no token. */
const tokenDecoder = new TextDecoder();
const EXIT_BYTES = new TextEncoder().encode(STANDARD_EXIT_MESSAGE);
const LF = 0x0a;
const CR = 0x0d;

/**
 * Handles one datagram from `host`:`port`. `bytes` may be a view of a reused receive buffer:
 * it is only read during the call.
 */
export function handleDatagram(
  state: ServerState,
  bytes: Uint8Array,
  host: string,
  port: number,
  now: number,
): void {
  let parts;
  try {
    parts = parseClientDatagram(bytes);
  } catch (error) {
    const reason = error instanceof SizeLimitError ? DropReason.Oversize : DropReason.Malformed;
    state.countDrop(reason, host);
    return;
  }
  const member = state.memberByToken(tokenDecoder.decode(parts.token));
  if (member === undefined) return state.countDrop(DropReason.UnknownToken, host);
  const room = member.room;
  if (!sameName(room, parts.roomName) && !isFormOfName(parts.roomName, room.name)) {
    return state.countDrop(DropReason.WrongRoom, host);
  }
  if (member.ip !== host) return state.countDrop(DropReason.WrongAddress, host);
  if (member.address === null) {
    state.bindAddress(member, { transport: "udp", hostname: host, port }, now);
  } else if (member.address.port !== port) {
    return state.countDrop(DropReason.WrongAddress, host);
  }
  member.lastActive = now;
  if (member.kaiwa) {
    handleCommand(state, member, parts.message, now);
  } else {
    handleText(state, member, parts.message, now);
  }
}

function handleText(state: ServerState, member: Member, message: Uint8Array, now: number): void {
  if (message.length === 0) return;
  if (isExit(message)) return state.leave(member, now);
  try {
    decodeUtf8(message, "chat text");
  } catch {
    return state.countDrop(DropReason.InvalidText, member.ip);
  }
  relay(state, member, message, now);
}

function handleCommand(state: ServerState, member: Member, message: Uint8Array, now: number): void {
  let command;
  try {
    command = decodeCommand(message);
  } catch (error) {
    state.countDrop(DropReason.InvalidText, member.ip);
    const code = error instanceof InvalidTextError
      ? NoticeCode.InvalidText
      : NoticeCode.UnknownCommand;
    state.notifier.notice(member, code, now);
    return;
  }
  switch (command.type) {
    case "keepalive":
      return;
    case "chat":
      // The command byte is followed by the text, already validated by decodeCommand.
      if (command.text.length > 0) relay(state, member, message.subarray(1), now);
      return;
    case "leave":
      return state.leave(member, now);
    case "who":
      if (withinFloodLimit(state, member, now)) state.notifier.members(member, now);
      return;
    case "ping":
      // Pings are never rate limited: a client uses them to tell whether the server is alive.
      state.notifier.pong(member, now);
      return;
  }
}

function relay(state: ServerState, sender: Member, text: Uint8Array, now: number): void {
  if (!withinFloodLimit(state, sender, now)) return;
  state.announceArrivals(sender.room, now);
  state.notifier.chat(sender.room, sender, sender.room.nextSeq(), text, now);
}

function withinFloodLimit(state: ServerState, member: Member, now: number): boolean {
  if (member.flood === null || member.flood.take(now)) return true;
  state.countDrop(DropReason.Flood, member.ip);
  if (now - member.lastRateNotice >= RATE_NOTICE_INTERVAL_MS) {
    member.lastRateNotice = now;
    state.notifier.notice(member, NoticeCode.RateLimited, now);
  }
  return false;
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
