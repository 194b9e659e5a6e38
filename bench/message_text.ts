/**
 * The text the benchmark's clients chat with, and how a receiver reads it back.
 *
 * A chat message is ASCII `<step> <id> <sentMicros>`: the measurement step it belongs to (late
 * deliveries of an earlier step are not counted in the next), a message id, and the send time in
 * microseconds since the epoch. The server relays it to standard clients as
 * `<username>: <step> <id> <sentMicros>`, so a receiver parses the three numbers from the end of
 * the datagram without decoding any text. kaiwa announces arrivals as `* a, b, c joined`; the
 * reference relays (../shared/perf-refs/) as `* a joined <room>`, one name each.
 *
 * A kaiwa client (`--encrypted`) sends the same text in a chat command and receives it in a
 * binary chat event (docs/protocol.md §4), whose text ends the event: {@link ChatParser.parseEvent}
 * reads the three numbers from there, again without decoding.
 *
 * @module
 */

import { EVENT_HEADER_SIZE, EventType } from "../protocol/mod.ts";

const SPACE = 0x20;
const COMMA = 0x2c;
const ASTERISK = 0x2a;
const LETTER_M = 0x6d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DECIMAL_BASE = 10;
const MICROS_PER_MS = 1000;
const JOINED = new TextEncoder().encode("joined");
/** Where an event's type byte is: after its version byte. */
const EVENT_TYPE_OFFSET = 1;
/** A chat event's sequence number (u32) and sender-length byte, after the header. */
const CHAT_SEQ_SIZE = 4;
const CHAT_NAME_LENGTH_OFFSET = EVENT_HEADER_SIZE + CHAT_SEQ_SIZE;

/** Microseconds since the epoch, comparable across threads (each worker has its own origin). */
export function nowMicros(): number {
  return (performance.timeOrigin + performance.now()) * MICROS_PER_MS;
}

/** The chat text of message `id` in `step`, stamped with the current time. */
export function chatText(step: number, id: number): string {
  return `${step} ${id} ${Math.round(nowMicros())}`;
}

/**
 * Writes {@link chatText} into `bytes` at `at`, without making a string; returns where it ends.
 * `bytes` must have room for it (3 numbers of at most 16 digits and 2 spaces).
 */
export function writeChatText(bytes: Uint8Array, at: number, step: number, id: number): number {
  at = writeDecimal(bytes, at, step);
  bytes[at++] = SPACE;
  at = writeDecimal(bytes, at, id);
  bytes[at++] = SPACE;
  return writeDecimal(bytes, at, Math.round(nowMicros()));
}

/** The longest text {@link writeChatText} writes, bytes. */
export const MAX_CHAT_TEXT_SIZE = 3 * 16 + 2;

/** Writes the non-negative integer `value` in decimal at `at`; returns where it ends. */
function writeDecimal(bytes: Uint8Array, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= DECIMAL_BASE; rest = Math.floor(rest / DECIMAL_BASE)) digits++;
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    bytes[i] = DIGIT_0 + rest % DECIMAL_BASE;
    rest = Math.floor(rest / DECIMAL_BASE);
  }
  return at + digits;
}

/**
 * Reads relayed chat datagrams without allocating: {@link parse} fills the fields of this one
 * reused object.
 */
export class ChatParser {
  /** Step of the last parsed message. */
  step = 0;
  /** Id of the last parsed message. */
  id = 0;
  /** Send time of the last parsed message, µs since the epoch. */
  sentMicros = 0;
  #end = 0;
  /** No number starts before this. */
  #floor = 0;
  /** Whether a number may start right at #floor (the text of an event) or needs a space there. */
  #mayStartAtFloor = false;

  /**
   * Parses `bytes[start, end)` as `<name>: <step> <id> <sentMicros>`; false when it is not one
   * (a notice, or a foreign message).
   */
  parse(bytes: Uint8Array, start: number, end: number): boolean {
    this.#floor = start;
    this.#mayStartAtFloor = false;
    return this.#numbers(bytes, end);
  }

  /**
   * Parses a kaiwa event (opened, whole) as a chat event whose text is
   * `<step> <id> <sentMicros>`; false for any other event.
   */
  parseEvent(event: Uint8Array): boolean {
    if (event.length <= CHAT_NAME_LENGTH_OFFSET || event[EVENT_TYPE_OFFSET] !== EventType.Chat) {
      return false;
    }
    this.#floor = CHAT_NAME_LENGTH_OFFSET + 1 + event[CHAT_NAME_LENGTH_OFFSET];
    this.#mayStartAtFloor = true;
    return this.#floor < event.length && this.#numbers(event, event.length);
  }

  /** Reads the three numbers ending at `end`. */
  #numbers(bytes: Uint8Array, end: number): boolean {
    this.#end = end;
    const sent = this.#number(bytes);
    const id = this.#number(bytes);
    const step = this.#number(bytes);
    if (sent < 0 || id < 0 || step < 0) return false;
    this.sentMicros = sent;
    this.id = id;
    this.step = step;
    return true;
  }

  /**
   * Reads the decimal number ending at #end, moving #end before the space preceding it; the
   * number may also start the text, at #floor, when #mayStartAtFloor.
   */
  #number(bytes: Uint8Array): number {
    let start = this.#end;
    const floor = this.#floor;
    while (start > floor && bytes[start - 1] >= DIGIT_0 && bytes[start - 1] <= DIGIT_9) start--;
    if (start === this.#end) return -1;
    if (start === floor ? !this.#mayStartAtFloor : bytes[start - 1] !== SPACE) return -1;
    let value = 0;
    for (let i = start; i < this.#end; i++) value = value * DECIMAL_BASE + bytes[i] - DIGIT_0;
    this.#end = start - 1;
    return value;
  }
}

/** True when `bytes[start, end)` is a server notice (`* ...`) rather than a chat message. */
export function isNotice(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start >= 2 && bytes[start] === ASTERISK && bytes[start + 1] === SPACE;
}

/**
 * Reads a join notice in `bytes[start, end)`, kaiwa's `* a, b, c joined` or a reference relay's
 * `* a joined <room>`: calls `onName` with the member number of each name of the form
 * `m<number>` (the benchmark's usernames; -1 for any other name) and returns how many names it
 * carries; 0 for any other notice.
 */
export function readJoinedNames(
  bytes: Uint8Array,
  start: number,
  end: number,
  onName: (member: number) => void,
): number {
  if (!isNotice(bytes, start, end)) return 0;
  const namesStart = start + 2;
  // Names are separated by ", " (the benchmark's usernames hold no comma and no space): the
  // first space not after a comma ends them, and "joined" must follow it, as the last word or
  // before the room's name.
  let namesEnd = namesStart;
  while (namesEnd < end && (bytes[namesEnd] !== SPACE || bytes[namesEnd - 1] === COMMA)) {
    namesEnd++;
  }
  const word = namesEnd + 1;
  const wordEnd = word + JOINED.length;
  if (namesEnd === namesStart || wordEnd > end) return 0;
  if (wordEnd < end && bytes[wordEnd] !== SPACE) return 0;
  for (let i = 0; i < JOINED.length; i++) if (bytes[word + i] !== JOINED[i]) return 0;
  let names = 0;
  for (let from = namesStart; from < namesEnd;) {
    let stop = from;
    while (stop < namesEnd && bytes[stop] !== COMMA) stop++;
    onName(memberNumber(bytes, from, stop));
    names++;
    from = stop + 2;
  }
  return names;
}

/** The number of a name `m<number>` in `bytes[start, stop)`, or -1. */
function memberNumber(bytes: Uint8Array, start: number, stop: number): number {
  if (stop - start < 2 || bytes[start] !== LETTER_M) return -1;
  let value = 0;
  for (let i = start + 1; i < stop; i++) {
    if (bytes[i] < DIGIT_0 || bytes[i] > DIGIT_9) return -1;
    value = value * DECIMAL_BASE + bytes[i] - DIGIT_0;
  }
  return value;
}

/** The username of member number `k` of a room. */
export function memberName(k: number): string {
  return `m${k}`;
}
