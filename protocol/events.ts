/**
 * kaiwa's binary events, server → kaiwa client (docs/protocol.md §4). Every event starts with
 * version u8 | type u8 | server time in ms as u64; all fields are big-endian.
 *
 * @module
 */

import {
  EVENT_FORMAT_VERSION,
  EVENT_HEADER_SIZE,
  EventType,
  MAX_EVENT_SIZE,
  MAX_NAME_BYTES,
  MAX_NAME_LIST_BYTES,
  MemberFlag,
} from "./constants.ts";
import { ByteReader } from "./byte_reader.ts";
import { ProtocolError, SizeLimitError } from "./errors.ts";
import { decodeUtf8, encodeUtf8, utf8Length } from "./utf8.ts";
import { type ByteAllocator, newBytes } from "../util/mod.ts";

/** One entry of a Members event. */
export interface MemberEntry {
  /** The member's name. */
  name: string;
  /** Whether it is the room's host. */
  host: boolean;
  /** Whether it is the member receiving the event. */
  you: boolean;
}

/** A decoded kaiwa event; `time` is the server's clock in milliseconds since the epoch. */
export type KaiwaEvent =
  | {
    type: "chat";
    time: number;
    seq: number;
    sender: string;
    text: string;
    /** True for a message from before the member joined (EventType.History, §4.2). */
    history?: boolean;
  }
  | { type: "gap"; time: number; from: number; to: number }
  | { type: "joined"; time: number; names: string[] }
  | { type: "left"; time: number; reason: number; names: string[] }
  | { type: "room-closed"; time: number; reason: number }
  | { type: "removed"; time: number; reason: number }
  | { type: "shutdown"; time: number }
  | { type: "notice"; time: number; code: number; text: string }
  | { type: "members"; time: number; members: MemberEntry[] }
  | {
    type: "pong";
    time: number;
    /**
     * The seq of the asker's room's latest chat message (0 before the first), so that a client
     * notices a lost last message that no later seq reveals (§3.2). Undefined in the empty body
     * of an older server, or of one that does not know the room's latest seq.
     */
    latest?: number;
  };

const TWO_TO_32 = 2 ** 32;
const U32_SIZE = 4;
/** A Pong's body: empty, or the room's latest seq as a u32 (§4.2). */
const PONG_LATEST_SIZE = U32_SIZE;

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= TWO_TO_32) {
    throw new RangeError(`Cannot encode event: ${what} ${value} is not a u32`);
  }
  return value;
}
const CHAT_FIXED_SIZE = EVENT_HEADER_SIZE + 4 + 1;
const NAME_LIST_COUNT_SIZE = 2;
// A Members entry spends a flags byte and a length byte besides its name.
const MEMBER_ENTRY_OVERHEAD = 2;

/**
 * Encodes a chat event from bytes the server already holds; called once per relayed message,
 * whatever the number of recipients.
 *
 * `alloc` makes the output array (the server cuts it from a `ByteSlab`).
 *
 * @throws {RangeError} when the sender is empty or over 255 bytes, seq is not a u32, or the event
 * would exceed the largest event size.
 */
export function encodeChatEvent(
  time: number,
  seq: number,
  sender: Uint8Array,
  text: Uint8Array,
  kind: typeof EventType.Chat | typeof EventType.History = EventType.Chat,
  alloc: ByteAllocator = newBytes,
): Uint8Array {
  checkName(sender);
  if (!Number.isInteger(seq) || seq < 0 || seq >= TWO_TO_32) {
    throw new RangeError(`Cannot encode chat event: seq ${seq} is not a u32`);
  }
  const out = alloc(checkEventSize(CHAT_FIXED_SIZE + sender.length + text.length));
  const view = writeHeader(out, kind, time);
  view.setUint32(EVENT_HEADER_SIZE, seq);
  out[CHAT_FIXED_SIZE - 1] = sender.length;
  out.set(sender, CHAT_FIXED_SIZE);
  out.set(text, CHAT_FIXED_SIZE + sender.length);
  return out;
}

/**
 * Encodes any event.
 *
 * @throws {RangeError} when a field is out of range, the event would exceed the largest event
 * size, or a name list exceeds one event's limit (use `encodeNameListEvents` to split long lists).
 *
 * @example
 * ```ts
 * encodeEvent({ type: "shutdown", time: 0 }); // Uint8Array [1, 6, 0, 0, 0, 0, 0, 0, 0, 0]
 * ```
 */
export function encodeEvent(event: KaiwaEvent): Uint8Array {
  switch (event.type) {
    case "chat":
      return encodeChatEvent(
        event.time,
        event.seq,
        encodeUtf8(event.sender),
        encodeUtf8(event.text),
        event.history === true ? EventType.History : EventType.Chat,
      );
    case "gap": {
      const body = new Uint8Array(2 * U32_SIZE);
      const view = new DataView(body.buffer);
      view.setUint32(0, checkU32(event.from, "gap from"));
      view.setUint32(U32_SIZE, checkU32(event.to, "gap to"));
      return withBody(EventType.Gap, event.time, [], body);
    }
    case "joined":
      return withBody(EventType.Joined, event.time, [], encodeNameList(event.names));
    case "left":
      return withBody(
        EventType.Left,
        event.time,
        [checkByte(event.reason)],
        encodeNameList(event.names),
      );
    case "room-closed":
      return withBody(EventType.RoomClosed, event.time, [checkByte(event.reason)]);
    case "removed":
      return withBody(EventType.Removed, event.time, [checkByte(event.reason)]);
    case "shutdown":
      return withBody(EventType.Shutdown, event.time, []);
    case "notice":
      return withBody(
        EventType.Notice,
        event.time,
        [checkByte(event.code)],
        encodeUtf8(event.text),
      );
    case "members":
      return withBody(EventType.Members, event.time, [], encodeMembers(event.members));
    case "pong": {
      if (event.latest === undefined) return withBody(EventType.Pong, event.time, []);
      const body = new Uint8Array(PONG_LATEST_SIZE);
      new DataView(body.buffer).setUint32(0, checkU32(event.latest, "pong latest"));
      return withBody(EventType.Pong, event.time, [], body);
    }
  }
}

/**
 * Splits names into groups whose name list fits one Joined or Left event (§4.2); the server
 * also uses the groups to keep each standard text notice to one datagram.
 */
export function splitNameList(names: readonly string[]): string[][] {
  return groupBySize(
    names,
    (name) => 1 + utf8Length(name),
    MAX_NAME_LIST_BYTES - NAME_LIST_COUNT_SIZE,
  );
}

/**
 * Encodes a Joined or Left event for any number of names, split into as many events as needed
 * so that each name list stays within one event's limit.
 */
export function encodeNameListEvents(
  type: "joined" | "left",
  time: number,
  names: readonly string[],
  reason = 0,
): Uint8Array[] {
  return splitNameList(names).map((group) =>
    encodeEvent(
      type === "joined" ? { type, time, names: group } : { type, time, reason, names: group },
    )
  );
}

/**
 * Encodes a member list as consecutive Members events, each within the event size limit
 * (§4.2: Members events add up; a large room's list arrives in several).
 */
export function encodeMembersEvents(time: number, members: readonly MemberEntry[]): Uint8Array[] {
  const budget = MAX_EVENT_SIZE - EVENT_HEADER_SIZE - NAME_LIST_COUNT_SIZE;
  return groupBySize(
    members,
    (member) => MEMBER_ENTRY_OVERHEAD + utf8Length(member.name),
    budget,
  )
    .map((group) => encodeEvent({ type: "members", time, members: group }));
}

/**
 * Decodes an event.
 *
 * @throws {SizeLimitError} when it exceeds the largest event size.
 * @throws {TruncatedError} when it ends early.
 * @throws {ProtocolError} for an unknown version or type, or trailing bytes.
 * @throws {InvalidTextError} when a name or text is not UTF-8.
 */
export function decodeEvent(bytes: Uint8Array): KaiwaEvent {
  if (bytes.length > MAX_EVENT_SIZE) {
    throw new SizeLimitError(
      `Cannot decode event: ${bytes.length} bytes exceeds ${MAX_EVENT_SIZE}`,
    );
  }
  const reader = new ByteReader(bytes, "event");
  const version = reader.u8();
  if (version !== EVENT_FORMAT_VERSION) {
    throw new ProtocolError(`Cannot decode event: unsupported format version ${version}`);
  }
  const type = reader.u8();
  const high = reader.u32();
  const time = high * TWO_TO_32 + reader.u32();
  if (!Number.isSafeInteger(time)) {
    throw new ProtocolError("Cannot decode event: time is out of range");
  }
  const event = decodeBody(type, time, reader);
  if (reader.rest().length > 0) {
    throw new ProtocolError(`Cannot decode event: bytes follow a type ${type} event`);
  }
  return event;
}

function decodeBody(type: number, time: number, reader: ByteReader): KaiwaEvent {
  switch (type) {
    case EventType.Chat:
    case EventType.History: {
      const seq = reader.u32();
      const sender = decodeUtf8(reader.bytes(reader.u8()), "sender");
      const text = decodeUtf8(reader.rest(), "chat text");
      return type === EventType.History
        ? { type: "chat", time, seq, sender, text, history: true }
        : { type: "chat", time, seq, sender, text };
    }
    case EventType.Gap: {
      const from = reader.u32();
      return { type: "gap", time, from, to: reader.u32() };
    }
    case EventType.Joined:
      return { type: "joined", time, names: decodeNameList(reader) };
    case EventType.Left: {
      const reason = reader.u8();
      return { type: "left", time, reason, names: decodeNameList(reader) };
    }
    case EventType.RoomClosed:
      return { type: "room-closed", time, reason: reader.u8() };
    case EventType.Removed:
      return { type: "removed", time, reason: reader.u8() };
    case EventType.Shutdown:
      return { type: "shutdown", time };
    case EventType.Notice: {
      const code = reader.u8();
      return { type: "notice", time, code, text: decodeUtf8(reader.rest(), "notice text") };
    }
    case EventType.Members: {
      const members: MemberEntry[] = [];
      for (let count = reader.u16(); count > 0; count--) {
        const flags = reader.u8();
        const name = decodeUtf8(reader.bytes(reader.u8()), "member name");
        members.push({
          name,
          host: (flags & MemberFlag.Host) !== 0,
          you: (flags & MemberFlag.You) !== 0,
        });
      }
      return { type: "members", time, members };
    }
    case EventType.Pong:
      // Both bodies are valid: an older server's empty one, or the latest seq. A cut u32 (1–3
      // bytes) is truncated, and more than 4 bytes are trailing bytes, refused below.
      return reader.remaining === 0
        ? { type: "pong", time }
        : { type: "pong", time, latest: reader.u32() };
    default:
      throw new ProtocolError(`Cannot decode event: unknown type ${type}`);
  }
}

function decodeNameList(reader: ByteReader): string[] {
  const names: string[] = [];
  for (let count = reader.u16(); count > 0; count--) {
    names.push(decodeUtf8(reader.bytes(reader.u8()), "name"));
  }
  return names;
}

function encodeNameList(names: readonly string[]): Uint8Array {
  const encoded = names.map(encodeUtf8);
  const size = encoded.reduce((n, name) => n + 1 + checkName(name).length, NAME_LIST_COUNT_SIZE);
  if (size > MAX_NAME_LIST_BYTES) {
    throw new RangeError(`Cannot encode name list: ${size} bytes exceeds ${MAX_NAME_LIST_BYTES}`);
  }
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint16(0, encoded.length);
  let offset = NAME_LIST_COUNT_SIZE;
  for (const name of encoded) {
    out[offset] = name.length;
    out.set(name, offset + 1);
    offset += 1 + name.length;
  }
  return out;
}

function encodeMembers(members: readonly MemberEntry[]): Uint8Array {
  const encoded = members.map((member) => checkName(encodeUtf8(member.name)));
  const size = encoded.reduce(
    (n, name) => n + MEMBER_ENTRY_OVERHEAD + name.length,
    NAME_LIST_COUNT_SIZE,
  );
  if (members.length > 0xffff || EVENT_HEADER_SIZE + size > MAX_EVENT_SIZE) {
    throw new RangeError(
      `Cannot encode members event: ${members.length} members do not fit in one event`,
    );
  }
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint16(0, members.length);
  let offset = NAME_LIST_COUNT_SIZE;
  members.forEach((member, i) => {
    out[offset] = (member.host ? MemberFlag.Host : 0) | (member.you ? MemberFlag.You : 0);
    out[offset + 1] = encoded[i].length;
    out.set(encoded[i], offset + 2);
    offset += MEMBER_ENTRY_OVERHEAD + encoded[i].length;
  });
  return out;
}

function withBody(
  type: number,
  time: number,
  fixed: number[],
  tail: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(checkEventSize(EVENT_HEADER_SIZE + fixed.length + tail.length));
  writeHeader(out, type, time);
  out.set(fixed, EVENT_HEADER_SIZE);
  out.set(tail, EVENT_HEADER_SIZE + fixed.length);
  return out;
}

function writeHeader(out: Uint8Array, type: number, time: number): DataView {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint8(0, EVENT_FORMAT_VERSION);
  view.setUint8(1, type);
  writeEventTime(out, time);
  return view;
}

/**
 * Writes `time` into an encoded event's header (§4.1), so that an event encoded once can be sent
 * again later (a copy of it: bytes handed to a socket must not change).
 *
 * @throws {RangeError} when `time` is not a non-negative safe integer.
 */
export function writeEventTime(event: Uint8Array, time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) {
    throw new RangeError(`Cannot encode event: time ${time} is not a non-negative integer`);
  }
  const view = new DataView(event.buffer, event.byteOffset, event.byteLength);
  view.setUint32(2, Math.floor(time / TWO_TO_32));
  view.setUint32(6, time >>> 0);
}

function checkEventSize(size: number): number {
  if (size > MAX_EVENT_SIZE) {
    throw new RangeError(`Cannot encode event: ${size} bytes exceeds ${MAX_EVENT_SIZE}`);
  }
  return size;
}

function checkName(name: Uint8Array): Uint8Array {
  if (name.length === 0 || name.length > MAX_NAME_BYTES) {
    throw new RangeError(
      `Cannot encode event: a name of ${name.length} bytes must be 1 to ${MAX_NAME_BYTES}`,
    );
  }
  return name;
}

function checkByte(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`Cannot encode event: ${value} is not a byte`);
  }
  return value;
}

/** Groups items in order so that the costs in each group add up to at most `budget`. */
function groupBySize<T>(items: readonly T[], cost: (item: T) => number, budget: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemCost = cost(item);
    if (group.length > 0 && size + itemCost > budget) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(item);
    size += itemCost;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
