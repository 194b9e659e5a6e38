/**
 * Text for standard clients is neutralised (docs/protocol.md §3.3): no control, no line break,
 * no escape, no bidi control and no invalid UTF-8 reaches them, and clean text is not copied.
 */

import fc from "fast-check";
import { ok, strictEqual } from "node:assert/strict";
import {
  encodeTextChat,
  encodeUtf8,
  formatTextNotice,
  isBidiControl,
  isControlCharacter,
  isWellFormedUtf8,
  neutralizeString,
  neutralizeText,
  utf8Length,
} from "../protocol/mod.ts";

const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const text = (bytes: Uint8Array) => lenient.decode(bytes);
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const strict = (bytes: Uint8Array) => strictDecoder.decode(bytes);
const isUtf8 = (bytes: Uint8Array) => {
  try {
    strict(bytes);
    return true;
  } catch {
    return false;
  }
};
const TAB = 0x09;

/** The finding of issue 10: "hi", CR, LF, "alice: forged". */
const FORGED_LINE = [0x68, 0x69, 0x0d, 0x0a, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x3a, 0x20];
const FORGED = Uint8Array.of(...FORGED_LINE, 0x66, 0x6f, 0x72, 0x67, 0x65, 0x64);
/** OSC 52: ESC ] 52 ; c ; base64 BEL, a clipboard write. */
const OSC_52 = encodeUtf8("\u001b]52;c;aGVsbG8=\u0007");

/** True when no code point of `value` is one §3.3 neutralises (TAB is kept). */
const isNeutral = (value: string) =>
  [...value].every((char) => {
    const code = char.codePointAt(0)!;
    return code === TAB || (!isControlCharacter(code) && !isBidiControl(code));
  });

Deno.test("neutralizeText()", { permissions: "none" }, async (t) => {
  await t.step("the forged-line finding relays as one line with no CR or LF", () => {
    const line = text(encodeTextChat(encodeUtf8("mallory"), FORGED));
    strictEqual(line, "mallory: hi\uFFFD\uFFFDalice: forged");
  });
  await t.step("OSC 52 loses its ESC and BEL, so it is text, not a command", () => {
    strictEqual(text(neutralizeText(OSC_52)), "\uFFFD]52;c;aGVsbG8=\uFFFD");
  });
  await t.step("every C0 control but TAB, and DEL, become U+FFFD", () => {
    for (let code = 0; code < 0x20; code++) {
      const expected = code === TAB ? "a\tb" : "a\uFFFDb";
      strictEqual(text(neutralizeText(Uint8Array.of(0x61, code, 0x62))), expected, `${code}`);
    }
    strictEqual(text(neutralizeText(encodeUtf8("a\u007fb"))), "a\uFFFDb");
  });
  await t.step("C1 controls and the line and paragraph separators become U+FFFD", () => {
    for (let code = 0x80; code <= 0x9f; code++) {
      strictEqual(text(neutralizeText(encodeUtf8(`a${String.fromCharCode(code)}b`))), "a\uFFFDb");
    }
    strictEqual(text(neutralizeText(encodeUtf8("a\u2028b\u2029c"))), "a\uFFFDb\uFFFDc");
  });
  await t.step("bidi controls are dropped", () => {
    const bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c";
    strictEqual(text(neutralizeText(encodeUtf8(`evil${bidi}txt.exe`))), "eviltxt.exe");
  });
  await t.step("invalid UTF-8 becomes U+FFFD and cannot smuggle a control", () => {
    const cases: [number[], string][] = [
      [[0xc0, 0x8a], "\uFFFD\uFFFD"], // overlong LF
      [[0xc1, 0x9b], "\uFFFD\uFFFD"], // overlong ESC
      [[0xe0, 0x80, 0x8d], "\uFFFD\uFFFD\uFFFD"], // overlong CR
      [[0xed, 0xa0, 0x80], "\uFFFD\uFFFD\uFFFD"], // a surrogate
      [[0xf4, 0x90, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD\uFFFD"], // above U+10FFFF
      [[0xe2, 0x80], "\uFFFD"], // cut short
      [[0xff], "\uFFFD"],
      [[0x80], "\uFFFD"],
    ];
    for (const [bad, expected] of cases) {
      const out = neutralizeText(Uint8Array.of(0x61, ...bad, 0x62));
      strictEqual(text(out), `a${expected}b`, bad.join(" "));
      ok(isUtf8(out), "what goes out is valid UTF-8 again");
    }
  });
  await t.step("clean text is returned as the same bytes object, not a copy", () => {
    for (const clean of ["", "hi", "tab\there", "Zoë 日本語 👨‍👩‍👧 \ufeff", "\u{10ffff}"]) {
      const bytes = encodeUtf8(clean);
      strictEqual(neutralizeText(bytes), bytes, clean);
    }
  });
  await t.step("any bytes come out valid and neutral; copied only when they were not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const out = neutralizeText(bytes);
        ok(isNeutral(strict(out)));
        const wasClean = isUtf8(bytes) && isNeutral(strict(bytes));
        strictEqual(out === bytes, wasClean);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (value) => {
        const bytes = encodeUtf8(value);
        strictEqual(neutralizeText(bytes) === bytes, isNeutral(value));
      }),
    );
  });
});

Deno.test("isWellFormedUtf8() agrees with a fatal TextDecoder", { permissions: "none" }, () => {
  for (const bytes of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe4, 0xbc]]) {
    strictEqual(isWellFormedUtf8(Uint8Array.from(bytes)), false, `${bytes}`);
  }
  strictEqual(isWellFormedUtf8(encodeUtf8("会話 ok \u{1f600}")), true);
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.string({ unit: "binary" }).map(encodeUtf8)),
      (bytes) => isWellFormedUtf8(bytes) === isUtf8(bytes),
    ),
    { numRuns: 2_000 },
  );
});

Deno.test("neutralizeString()", { permissions: "none" }, async (t) => {
  await t.step("returns the same string when nothing changes", () => {
    strictEqual(neutralizeString("* ann, bo joined"), "* ann, bo joined");
  });
  await t.step("replaces controls and drops bidi controls like neutralizeText()", () => {
    const hostile = "a\r\nb\u001b[2J\u202ec\u0085d\u2028";
    strictEqual(neutralizeString(hostile), text(neutralizeText(encodeUtf8(hostile))));
    strictEqual(neutralizeString(hostile), "a\uFFFD\uFFFDb\uFFFD[2Jc\uFFFDd\uFFFD");
  });
  await t.step("standard notices are neutralised even if a name slipped through", () => {
    const line = formatTextNotice({ type: "joined", time: 0, names: ["x\r\n* alice joined"] });
    strictEqual(line, "* x\uFFFD\uFFFD* alice joined joined");
  });
});

Deno.test("utf8Length() is the length encodeUtf8 makes", { permissions: "none" }, () => {
  for (const text of ["", "a", "é", "会話", "\u{1f600}", "\ud800", "a\udc00b", "\ud83d"]) {
    strictEqual(utf8Length(text), encodeUtf8(text).length, JSON.stringify(text));
  }
  fc.assert(
    fc.property(
      fc.string({ unit: "binary" }),
      (text) => utf8Length(text) === encodeUtf8(text).length,
    ),
    { numRuns: 2_000 },
  );
});
