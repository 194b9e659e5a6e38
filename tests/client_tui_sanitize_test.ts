import { strictEqual } from "node:assert/strict";
import fc from "fast-check";
import {
  CONTROL_PLACEHOLDER as P,
  sanitizeForTerminal,
  sanitizeInput,
} from "../client/tui/sanitize.ts";

/** Anything a terminal could act on: controls, separators, bidi controls, lone surrogates. */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;

Deno.test({
  name: "sanitizeForTerminal() neutralises escape sequences and controls",
  permissions: "none",
  fn: async (t) => {
    await t.step("returns safe text unchanged", () => {
      strictEqual(sanitizeForTerminal("hello 日本語 👨‍👩‍👧 e\u0301"), "hello 日本語 👨‍👩‍👧 e\u0301");
    });
    await t.step("replaces a whole CSI such as ESC[2J with one placeholder", () => {
      strictEqual(sanitizeForTerminal("a\x1b[2Jb"), `a${P}b`);
      strictEqual(sanitizeForTerminal("\x1b[1;31mred\x1b[0m"), `${P}red${P}`);
      strictEqual(sanitizeForTerminal("\x1b[?1049h"), P);
    });
    await t.step("hides an OSC 52 clipboard write, ended by BEL or by ST", () => {
      strictEqual(sanitizeForTerminal("x\x1b]52;c;cm0gLXJmIH4=\x07y"), `x${P}y`);
      strictEqual(sanitizeForTerminal("x\x1b]52;c;cm0gLXJmIH4=\x1b\\y"), `x${P}y`);
    });
    await t.step("hides DCS, SOS, PM and APC strings", () => {
      strictEqual(sanitizeForTerminal("\x1bPq#0;2;0;0;0\x1b\\ok"), `${P}ok`);
      strictEqual(sanitizeForTerminal("\x1bXsos\x1b\\\x1b^pm\x1b\\\x1b_apc\x1b\\"), P.repeat(3));
    });
    await t.step("replaces 8-bit C1 introducers (0x9b CSI, 0x9d OSC) and their sequences", () => {
      strictEqual(sanitizeForTerminal("a\x9b2Jb"), `a${P}b`);
      strictEqual(sanitizeForTerminal("a\x9d0;title\x9cb"), `a${P}b`);
      strictEqual(sanitizeForTerminal("a\x85b"), `a${P}b`);
    });
    await t.step("keeps the rest visible after an unterminated or malformed sequence", () => {
      strictEqual(sanitizeForTerminal("\x1b]0;title"), `${P}0;title`);
      strictEqual(sanitizeForTerminal("\x1b[31\n"), `${P}31${P}`);
      strictEqual(sanitizeForTerminal("end\x1b"), `end${P}`);
    });
    await t.step("replaces short ESC sequences such as RIS and charset switches", () => {
      strictEqual(sanitizeForTerminal("\x1bcx"), `${P}x`);
      strictEqual(sanitizeForTerminal("\x1b(0x"), `${P}x`);
    });
    await t.step("replaces NUL, BEL, backspace, CR, LF and DEL; a tab becomes a space", () => {
      strictEqual(sanitizeForTerminal("a\x00b\x07c\x08d"), `a${P}b${P}c${P}d`);
      strictEqual(sanitizeForTerminal("1\r2\n3\x7f"), `1${P}2${P}3${P}`);
      strictEqual(sanitizeForTerminal("a\tb"), "a b");
    });
    await t.step("drops bidi overrides, isolates and marks", () => {
      strictEqual(sanitizeForTerminal("abc\u202Efdp.exe"), "abcfdp.exe");
      strictEqual(
        sanitizeForTerminal("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061cx"),
        "x",
      );
    });
    await t.step("replaces line separators and lone surrogates, keeps surrogate pairs", () => {
      strictEqual(sanitizeForTerminal("a\u2028b\u2029"), `a${P}b${P}`);
      strictEqual(sanitizeForTerminal("\ud800x\udc00😀"), `${P}x${P}😀`);
    });
    await t.step("never lets an unsafe character through (property)", () => {
      const piece = fc.oneof(
        fc.string({ unit: "binary" }),
        fc.constantFrom(
          "\x1b",
          "\x1b[",
          "\x1b]",
          "\x9b",
          "\x9d",
          "\x07",
          "\x1b\\",
          "\u202e",
          "\ud83d",
        ),
      );
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
          const out = sanitizeForTerminal(pieces.join(""));
          return !UNSAFE.test(out);
        }),
        { numRuns: 300 },
      );
    });
  },
});

Deno.test({
  name: "sanitizeInput() cleans typed and pasted text without adding anything",
  permissions: "none",
  fn: async (t) => {
    await t.step("turns line breaks and tabs into one space each", () => {
      strictEqual(sanitizeInput("one\r\ntwo\nthree\rfour\tfive"), "one two three four five");
    });
    await t.step("drops controls, escapes, bidi controls and lone surrogates", () => {
      strictEqual(sanitizeInput("a\x1b[31mb\x00\x7f\x9b\u202e\ud800c"), "a[31mbc");
    });
    await t.step("keeps ordinary text as it is", () => {
      strictEqual(sanitizeInput("日本語 😀"), "日本語 😀");
    });
  },
});
