/**
 * Names that look the same are the same name (docs/protocol.md §1.2): names are canonical (NFC)
 * once decoded, and a name with an invisible character, a blank at an edge, a look-alike blank or
 * nothing visible is refused.
 */

import fc from "fast-check";
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  canonicalName,
  decodeName,
  decodeRoomRequest,
  encodeUtf8,
  InvalidTextError,
  isFormOfName,
  MAX_NAME_BYTES,
  validateName,
} from "../protocol/mod.ts";

const hex = (text: string) =>
  Array.from(encodeUtf8(text), (b) => b.toString(16).padStart(2, "0")).join(" ");

/** The finding's host name: José in NFC, `4a 6f 73 c3 a9`. */
const JOSE_NFC = "Jos\u00e9";
/** The same name in NFD, `4a 6f 73 65 cc 81`. */
const JOSE_NFD = "Jose\u0301";

/** Names that must be refused, each named by why. */
const REFUSED: [string, string][] = [
  ["José + ZERO WIDTH SPACE", `${JOSE_NFC}\u200b`],
  ["José + trailing space", `${JOSE_NFC} `],
  ["leading space", " José"],
  ["trailing IDEOGRAPHIC SPACE", "山田\u3000"],
  ["only zero-width spaces", "\u200b\u200b"],
  ["only a ZERO WIDTH JOINER", "\u200d"],
  ["only a WORD JOINER", "\u2060"],
  ["only a BOM", "\ufeff"],
  ["only a soft hyphen", "\u00ad"],
  ["only a HANGUL FILLER", "\u3164"],
  ["only a BRAILLE PATTERN BLANK", "\u2800"],
  ["lobby + ZERO WIDTH SPACE", "lobby\u200b"],
  ["a BOM first", "\ufeffann"],
  ["a soft hyphen inside", "an\u00adn"],
  ["a ZERO WIDTH NON-JOINER inside", "an\u200cn"],
  ["a ZERO WIDTH JOINER between letters", "a\u200db"],
  ["a variation selector after a letter", "a\ufe0f"],
  ["an ideographic variation selector", "葛\u{e0100}"],
  ["tag characters outside an emoji flag", "ann\u{e0061}\u{e0062}"],
  ["a ZERO WIDTH JOINER after an emoji, nothing after", "👨\u200d"],
  ["NO-BREAK SPACE inside", "ann\u00a0bo"],
  ["EN SPACE inside", "ann\u2002bo"],
  ["a combining mark first", "\u0301ann"],
  ["only combining marks", "\u0301\u0308"],
  ["an invisible math operator", "a\u2062b"],
];

/** Names that stay allowed, emoji sequences with joiners and selectors among them. */
const ALLOWED = [
  "José",
  "ann bo",
  "山田\u3000太郎",
  "さくら",
  "عربي",
  "👨‍👩‍👧", // ZWJ sequence
  "❤️", // U+2764 U+FE0F
  "1️⃣", // keycap: 1, VS16, U+20E3
  "👍🏽", // skin tone modifier
  "🇯🇵", // regional indicators
  "🏴󠁧󠁢󠁳󠁣󠁴󠁿", // a flag of tag characters (Scotland)
  "ann 👨‍💻 bo",
];

Deno.test("names are canonical: NFC", { permissions: "none" }, async (t) => {
  await t.step("NFD José decodes to the NFC bytes 4a 6f 73 c3 a9", () => {
    strictEqual(hex(JOSE_NFD), "4a 6f 73 65 cc 81");
    strictEqual(hex(decodeName(encodeUtf8(JOSE_NFD), "username")), "4a 6f 73 c3 a9");
    strictEqual(validateName(JOSE_NFD, "username"), JOSE_NFC);
    strictEqual(canonicalName(JOSE_NFD), JOSE_NFC);
  });
  await t.step("café in NFD is café in NFC", () => {
    strictEqual(decodeName(encodeUtf8("cafe\u0301"), "room name"), "caf\u00e9");
  });
  await t.step("request usernames are canonical, in JSON and raw", () => {
    strictEqual(
      decodeRoomRequest(encodeUtf8(JSON.stringify({ username: JOSE_NFD }))).username,
      JOSE_NFC,
    );
    strictEqual(
      decodeRoomRequest(encodeUtf8(JSON.stringify({ user_name: JOSE_NFD }))).username,
      JOSE_NFC,
    );
    strictEqual(decodeRoomRequest(encodeUtf8(JOSE_NFD)).username, JOSE_NFC);
  });
  await t.step("isFormOfName() matches any form of the name, and nothing else", () => {
    strictEqual(isFormOfName(encodeUtf8(JOSE_NFD), JOSE_NFC), true);
    strictEqual(isFormOfName(encodeUtf8(JOSE_NFC), JOSE_NFC), true);
    strictEqual(isFormOfName(encodeUtf8("Jose"), JOSE_NFC), false);
    strictEqual(isFormOfName(encodeUtf8(`${JOSE_NFC}\u200b`), JOSE_NFC), false);
    strictEqual(isFormOfName(Uint8Array.of(0x4a, 0xff), "J\ufffd"), false);
  });
  await t.step("any accepted name comes out in NFC, and the same for each of its forms", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), (name) => {
        let canonical: string;
        try {
          canonical = validateName(name, "name");
        } catch (error) {
          if (error instanceof InvalidTextError) return;
          throw error;
        }
        strictEqual(canonical, name.normalize("NFC"));
        for (const form of ["NFD", "NFC"] as const) {
          strictEqual(decodeName(encodeUtf8(name.normalize(form)), "name"), canonical);
        }
      }),
    );
  });
});

Deno.test("names must show what they are", { permissions: "none" }, async (t) => {
  for (const [what, name] of REFUSED) {
    await t.step(`refuses ${what}`, () => {
      throws(() => validateName(name, "username"), InvalidTextError);
      throws(() => decodeName(encodeUtf8(name), "username"), InvalidTextError);
    });
  }
  await t.step("accepts emoji sequences with their joiners and selectors", () => {
    for (const name of ALLOWED) {
      strictEqual(validateName(name, "username"), name, name);
      strictEqual(decodeName(encodeUtf8(name), "username"), name, name);
    }
  });
  await t.step("the error says which character", () => {
    throws(() => validateName("lobby\u200b", "room name"), /room name.*U\+200B/);
  });
});

Deno.test("the byte limit applies to the name as received and in NFC", {
  permissions: "none",
}, async (t) => {
  await t.step("255 bytes of NFD are accepted: 170 bytes in NFC", () => {
    const nfd = "e\u0301".repeat(85);
    strictEqual(encodeUtf8(nfd).length, MAX_NAME_BYTES);
    const canonical = decodeName(encodeUtf8(nfd), "username");
    deepStrictEqual([canonical, encodeUtf8(canonical).length], ["\u00e9".repeat(85), 170]);
  });
  await t.step("256 bytes received are refused even when NFC is shorter", () => {
    const nfd = "e\u0301".repeat(85) + "a";
    throws(() => validateName(nfd, "username"), /256 bytes exceeds 255/);
  });
  await t.step("a name that grows past 255 bytes in NFC is refused", () => {
    // U+0958 DEVANAGARI LETTER QA is excluded from composition: NFC writes it as two characters.
    const grows = "\u0958".repeat(85);
    strictEqual(encodeUtf8(grows).length, MAX_NAME_BYTES);
    throws(() => decodeName(encodeUtf8(grows), "username"), /in NFC: 510 bytes exceeds 255/);
  });
  await t.step("a name that grows to exactly 255 bytes in NFC is accepted", () => {
    const grows = "\u0958".repeat(42) + "abc";
    strictEqual(encodeUtf8(validateName(grows, "username")).length, MAX_NAME_BYTES);
  });
});
