import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  displayWidth,
  displayWidthBound,
  graphemeWidth,
  graphemeWidthBound,
  segmentGraphemes,
  truncateToWidth,
} from "../client/tui/display_width.ts";

Deno.test({
  name: "graphemeWidth() gives terminal cells per grapheme",
  permissions: "none",
  fn: async (t) => {
    const cases: [string, string, number][] = [
      ["ASCII letter", "a", 1],
      ["kanji", "字", 2],
      ["hiragana", "あ", 2],
      ["halfwidth katakana", "ｱ", 1],
      ["fullwidth Latin", "Ａ", 2],
      ["Hangul syllable", "한", 2],
      ["Hangul from conjoining jamo", "\u1112\u1161\u11ab", 2],
      ["emoji", "😀", 2],
      ["emoji with skin tone", "👍🏽", 2],
      ["ZWJ family", "👨‍👩‍👧", 2],
      ["ZWJ profession", "🧑‍💻", 2],
      ["flag", "🇯🇵", 2],
      ["keycap", "1️⃣", 2],
      ["text-default symbol with VS16", "❤️", 2],
      ["text-default symbol alone", "❤", 1],
      ["precomposed accent", "é", 1],
      ["letter with combining accent", "e\u0301", 1],
      ["combining mark alone", "\u0301", 0],
      ["zero-width space", "\u200b", 0],
      ["ambiguous-width character", "→", 1],
      ["empty string", "", 0],
      ["Devanagari consonant with vowel sign", "कि", 2],
      ["Thai consonant with sara am", "กำ", 2],
      ["halfwidth katakana with voiced mark", "ｶﾞ", 2],
      ["soft hyphen (terminals draw it)", "\u00ad", 1],
    ];
    for (const [what, grapheme, width] of cases) {
      await t.step(`${what} is ${width}`, () => strictEqual(graphemeWidth(grapheme), width));
    }
  },
});

Deno.test({
  name: "displayWidth() sums the widths of mixed text",
  permissions: "none",
  fn: async (t) => {
    await t.step("ASCII counts one per character", () => strictEqual(displayWidth("hello!"), 6));
    await t.step("Japanese counts two per character", () => {
      strictEqual(displayWidth("こんにちは、世界"), 16);
    });
    await t.step("mixes ASCII, CJK, emoji sequences and combining marks", () => {
      strictEqual(displayWidth("a日👨‍👩‍👧🇯🇵e\u0301"), 1 + 2 + 2 + 2 + 1);
    });
  },
});

Deno.test({
  name: "segmentGraphemes() splits at user-perceived characters",
  permissions: "none",
  fn: () => {
    deepStrictEqual(segmentGraphemes("ab"), ["a", "b"]);
    deepStrictEqual(segmentGraphemes("e\u0301👨‍👩‍👧🇯🇵日"), ["e\u0301", "👨‍👩‍👧", "🇯🇵", "日"]);
    deepStrictEqual(segmentGraphemes(""), []);
  },
});

Deno.test({
  name: "truncateToWidth() cuts at grapheme boundaries within the limit",
  permissions: "none",
  fn: async (t) => {
    await t.step("returns text that fits unchanged", () => {
      strictEqual(truncateToWidth("日本", 4), "日本");
    });
    await t.step("leaves out a wide character that would straddle the limit", () => {
      strictEqual(truncateToWidth("日本語", 5), "日本");
    });
    await t.step("never splits a ZWJ sequence or a flag", () => {
      // By the most cells a terminal may draw: the family may be three emoji (6 cells).
      strictEqual(truncateToWidth("a👨‍👩‍👧🇯🇵", 7), "a👨‍👩‍👧");
      strictEqual(truncateToWidth("a👨‍👩‍👧🇯🇵", 6), "a");
    });
    await t.step("adds the ellipsis within the limit", () => {
      strictEqual(truncateToWidth("hello world", 8, "…"), "hello w…");
      strictEqual(displayWidth(truncateToWidth("日本語テキスト", 7, "…")), 7);
    });
    await t.step("drops an ellipsis wider than the limit", () => {
      strictEqual(truncateToWidth("abc", 1, "..."), "a");
    });
  },
});

Deno.test({
  name: "displayWidth() agrees with wcwidth and tmux on combining vowel signs (issue #15, fault 1)",
  permissions: "none",
  fn: () => {
    strictEqual(displayWidth("नमस्ते"), 4);
    strictEqual(displayWidth("कि".repeat(14)), 28);
  },
});

Deno.test({
  name: "graphemeWidthBound() gives the most cells any terminal draws a grapheme in",
  permissions: "none",
  fn: async (t) => {
    const cases: [string, string, number][] = [
      ["ASCII letter", "a", 1],
      ["kanji", "字", 2],
      ["skin-tone emoji, drawn as two emoji by tmux", "👍🏽", 4],
      ["ZWJ family, drawn as three emoji without ZWJ support", "👨‍👩‍👧", 6],
      ["Devanagari consonant with vowel sign", "कि", 2],
      ["letter with combining accent", "e\u0301", 1],
      ["combining mark alone", "\u0301", 0],
    ];
    for (const [what, grapheme, width] of cases) {
      await t.step(`${what} is ${width}`, () => strictEqual(graphemeWidthBound(grapheme), width));
    }
    await t.step("displayWidthBound() sums them", () => {
      strictEqual(displayWidthBound("ok 👍🏽".repeat(2)), 14);
    });
  },
});
