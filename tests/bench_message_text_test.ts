import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  ChatParser,
  isNotice,
  MAX_CHAT_TEXT_SIZE,
  readJoinedNames,
  writeChatText,
} from "../bench/message_text.ts";

const encoder = new TextEncoder();

/** `text` placed at `offset` of a larger buffer, as a datagram sits in a receive arena. */
function inArena(text: string, offset: number): { bytes: Uint8Array; start: number; end: number } {
  const encoded = encoder.encode(text);
  const bytes = new Uint8Array(offset + encoded.length + 16).fill(0x37);
  bytes.set(encoded, offset);
  return { bytes, start: offset, end: offset + encoded.length };
}

function joined(text: string, offset = 0): { count: number; members: number[] } {
  const { bytes, start, end } = inArena(text, offset);
  const members: number[] = [];
  const count = readJoinedNames(bytes, start, end, (member) => members.push(member));
  return { count, members };
}

Deno.test("a chat text written in place is read back from the middle of an arena", () => {
  const bytes = new Uint8Array(200).fill(0x39);
  const start = 40;
  const name = encoder.encode("m12: ");
  bytes.set(name, start);
  const end = writeChatText(bytes, start + name.length, 7, 123_456);
  ok(end - start - name.length <= MAX_CHAT_TEXT_SIZE);
  const parser = new ChatParser();
  ok(parser.parse(bytes, start, end));
  strictEqual(parser.step, 7);
  strictEqual(parser.id, 123_456);
  ok(parser.sentMicros > 1e15, `a send time in µs since the epoch, got ${parser.sentMicros}`);
});

Deno.test("a datagram of bare numbers is not a relayed chat message, wherever it lies", () => {
  const parser = new ChatParser();
  for (const offset of [0, 9]) {
    const { bytes, start, end } = inArena("1 2 3", offset);
    ok(!parser.parse(bytes, start, end), `parsed at offset ${offset}`);
  }
});

Deno.test("kaiwa's coalesced join notice names every member", () => {
  deepStrictEqual(joined("* m1, m20, bob joined", 5), { count: 3, members: [1, 20, -1] });
});

Deno.test("a reference relay's join notice names its one member, before the room's name", () => {
  deepStrictEqual(joined("* m7 joined fill0", 3), { count: 1, members: [7] });
});

Deno.test("other notices and chat name nobody", () => {
  for (const text of ["* m1, m2 left", "* m1 joinedx", "m1: * m2 joined", "* joined", "*"]) {
    deepStrictEqual(joined(text, 2), { count: 0, members: [] }, text);
  }
  const { bytes, start, end } = inArena("m1: hi", 4);
  ok(!isNotice(bytes, start, end));
});
