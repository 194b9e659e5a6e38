import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Key } from "../client/tui/key.ts";
import { KeyDecoder, MAX_PASTE_BYTES } from "../client/tui/keys.ts";

const encoder = new TextEncoder();

/** Feeds `input` (a string of bytes or text) in one chunk and flushes. */
function decodeAll(input: string | Uint8Array): Key[] {
  const decoder = new KeyDecoder();
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  return normalise([...decoder.feed(bytes), ...decoder.flush()]);
}

/** Feeds `bytes` cut into the given chunks. */
function decodeChunks(chunks: Uint8Array[]): Key[] {
  const decoder = new KeyDecoder();
  const keys = chunks.flatMap((chunk) => decoder.feed(chunk));
  return normalise([...keys, ...decoder.flush()]);
}

/** Merges adjacent text keys: how text is cut into keys depends on the chunks, not its meaning. */
function normalise(keys: Key[]): Key[] {
  const out: Key[] = [];
  for (const key of keys) {
    const last = out[out.length - 1];
    if (key.type === "text" && last?.type === "text") {
      out[out.length - 1] = { type: "text", text: last.text + key.text };
    } else out.push(key);
  }
  return out;
}

Deno.test({
  name: "KeyDecoder decodes keys sent by terminals",
  permissions: "none",
  fn: async (t) => {
    await t.step("printable ASCII and UTF-8 text becomes one text key", () => {
      deepStrictEqual(decodeAll("hi 日本 👨‍👩‍👧"), [{ type: "text", text: "hi 日本 👨‍👩‍👧" }]);
    });
    await t.step("CR and LF are Enter; CR LF is a single Enter", () => {
      deepStrictEqual(decodeAll("a\rb\nc\r\n"), [
        { type: "text", text: "a" },
        { type: "enter" },
        { type: "text", text: "b" },
        { type: "enter" },
        { type: "text", text: "c" },
        { type: "enter" },
      ]);
      deepStrictEqual(decodeAll("\r\r"), [{ type: "enter" }, { type: "enter" }]);
    });
    await t.step("0x7f and 0x08 are Backspace, 0x09 Tab", () => {
      deepStrictEqual(decodeAll("\x7f\x08\t"), [{ type: "backspace" }, { type: "backspace" }, {
        type: "tab",
      }]);
    });
    const sequences: [string, Key["type"]][] = [
      ["\x1b[A", "up"],
      ["\x1b[B", "down"],
      ["\x1b[C", "right"],
      ["\x1b[D", "left"],
      ["\x1bOA", "up"],
      ["\x1bOB", "down"],
      ["\x1bOC", "right"],
      ["\x1bOD", "left"],
      ["\x1b[3~", "delete"],
      ["\x1b[H", "home"],
      ["\x1b[F", "end"],
      ["\x1b[1~", "home"],
      ["\x1b[4~", "end"],
      ["\x1b[7~", "home"],
      ["\x1b[8~", "end"],
      ["\x1bOH", "home"],
      ["\x1bOF", "end"],
      ["\x1b[1;5D", "ctrl-left"],
      ["\x1b[1;5C", "ctrl-right"],
      ["\x1b[1;3D", "ctrl-left"],
      ["\x1b[1;5A", "up"],
      ["\x1bb", "alt-b"],
      ["\x1bf", "alt-f"],
      ["\x1bd", "alt-d"],
      ["\x1b\x7f", "alt-backspace"],
      ["\x01", "ctrl-a"],
      ["\x05", "ctrl-e"],
      ["\x15", "ctrl-u"],
      ["\x17", "ctrl-w"],
      ["\x0b", "ctrl-k"],
      ["\x03", "ctrl-c"],
      ["\x04", "ctrl-d"],
      ["\x19", "ctrl-y"],
    ];
    for (const [bytes, type] of sequences) {
      await t.step(`${JSON.stringify(bytes)} is ${type}`, () => {
        deepStrictEqual(decodeAll(bytes), [{ type }]);
      });
    }
    await t.step("unknown sequences (F-keys, a parameterised I) produce nothing", () => {
      deepStrictEqual(decodeAll("\x1bOP\x1b[1I\x1b[15;2~x"), [{ type: "text", text: "x" }]);
    });
    await t.step("PageUp, PageDown and focus reports are keys", () => {
      deepStrictEqual(decodeAll("\x1b[5~\x1b[6~\x1b[I\x1b[O"), [
        { type: "page-up" },
        { type: "page-down" },
        { type: "focus-in" },
        { type: "focus-out" },
      ]);
    });
    await t.step("invalid UTF-8 becomes U+FFFD, not a crash", () => {
      deepStrictEqual(decodeAll(new Uint8Array([0x61, 0xff, 0x62])), [{
        type: "text",
        text: "a\uFFFDb",
      }]);
      deepStrictEqual(decodeAll(new Uint8Array([0xe6, 0x97, 0x0d])), [
        { type: "text", text: "\uFFFD" },
        { type: "enter" },
      ]);
    });
    await t.step("a bracketed paste is one paste key holding line breaks", () => {
      deepStrictEqual(decodeAll("\x1b[200~one\r\ntwo\x1b[A\x1b[201~x"), [
        { type: "paste", text: "one\r\ntwo\x1b[A" },
        { type: "text", text: "x" },
      ]);
    });
    await t.step("a paste longer than the limit is cut", () => {
      const keys = decodeAll(`\x1b[200~${"a".repeat(MAX_PASTE_BYTES + 10)}\x1b[201~`);
      strictEqual(keys.length, 1);
      strictEqual(keys[0].type === "paste" && keys[0].text.length, MAX_PASTE_BYTES);
    });
  },
});

Deno.test({
  name: "KeyDecoder waits for input cut anywhere",
  permissions: "none",
  fn: async (t) => {
    const input = encoder.encode(
      "aé日😀\x1b[A\x1bOD\x1b[3~\x1b[1;5C\r\n\x7f\x01\x1bb\x1b[200~p\r\nq\x1b[201~🇯🇵e\u0301\x1b[F",
    );
    const expected = decodeAll(input);

    await t.step("splitting at every single byte boundary gives the same keys", () => {
      for (let cut = 1; cut < input.length; cut++) {
        deepStrictEqual(
          decodeChunks([input.subarray(0, cut), input.subarray(cut)]),
          expected,
          `cut at ${cut}`,
        );
      }
    });
    await t.step("feeding one byte at a time gives the same keys", () => {
      deepStrictEqual(decodeChunks([...input].map((byte) => new Uint8Array([byte]))), expected);
    });
    await t.step("the reference decoding is what the input means", () => {
      deepStrictEqual(expected, [
        { type: "text", text: "aé日😀" },
        { type: "up" },
        { type: "left" },
        { type: "delete" },
        { type: "ctrl-right" },
        { type: "enter" },
        { type: "backspace" },
        { type: "ctrl-a" },
        { type: "alt-b" },
        { type: "paste", text: "p\r\nq" },
        { type: "text", text: "🇯🇵e\u0301" },
        { type: "end" },
      ]);
    });
  },
});

Deno.test({
  name: "KeyDecoder holds a lone ESC until more input or flush()",
  permissions: "none",
  fn: async (t) => {
    await t.step("flush() turns a held ESC into Escape", () => {
      const decoder = new KeyDecoder();
      deepStrictEqual(decoder.feed(new Uint8Array([0x1b])), []);
      ok(decoder.hasPending);
      deepStrictEqual(decoder.flush(), [{ type: "escape" }]);
      strictEqual(decoder.hasPending, false);
    });
    await t.step("flush() drops an unfinished sequence", () => {
      const decoder = new KeyDecoder();
      deepStrictEqual(decoder.feed(encoder.encode("\x1b[1;")), []);
      deepStrictEqual(decoder.flush(), []);
      deepStrictEqual(decoder.feed(encoder.encode("x")), [{ type: "text", text: "x" }]);
    });
    await t.step("ESC ESC is an Escape followed by whatever comes next", () => {
      deepStrictEqual(decodeAll("\x1b\x1b[A"), [{ type: "escape" }, { type: "up" }]);
    });
    await t.step("ESC before a key without an Alt meaning is Escape then the key", () => {
      deepStrictEqual(decodeAll("\x1bx"), [{ type: "escape" }, { type: "text", text: "x" }]);
    });
  },
});

Deno.test({
  name: "KeyDecoder: a paste split across reads stays one paste, whatever the split (fault 2)",
  permissions: "none",
  fn: () => {
    const bytes = encoder.encode("\x1b[200~first line\r\nsecond 日本\r\n\x1b[201~x");
    // From the end of the start marker on: a lone ESC before it is an Escape key, rightly.
    for (let cut = "\x1b[200~".length; cut < bytes.length; cut++) {
      const decoder = new KeyDecoder();
      const keys = decoder.feed(bytes.subarray(0, cut));
      // The terminal's escape timer fires between the two reads only when the decoder asks.
      if (decoder.hasPending) keys.push(...decoder.flush());
      keys.push(...decoder.feed(bytes.subarray(cut)));
      deepStrictEqual(
        keys,
        [{ type: "paste", text: "first line\r\nsecond 日本\r\n" }, { type: "text", text: "x" }],
        `cut at ${cut}`,
      );
    }
  },
});
