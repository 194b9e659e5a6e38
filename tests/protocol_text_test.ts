/**
 * Text on the wire (docs/protocol.md §1, §1.2): invalid UTF-8 is refused wherever text is
 * decoded, and names obey the naming rules.
 */

import fc from "fast-check";
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  decodeCommand,
  decodeEvent,
  decodeName,
  decodeRoomList,
  decodeRoomRequest,
  decodeToken,
  decodeUtf8,
  encodeEvent,
  encodeUtf8,
  InvalidTextError,
  MAX_NAME_BYTES,
  State,
  validateName,
} from "../protocol/mod.ts";

/** Byte sequences that are not UTF-8, each named by why. */
const INVALID_UTF8: [string, number[]][] = [
  ["overlong NUL C0 80", [0xc0, 0x80]],
  ["overlong slash E0 80 AF", [0xe0, 0x80, 0xaf]],
  ["lone continuation 80", [0x80]],
  ["truncated 3-byte E3 81", [0xe3, 0x81]],
  ["truncated 4-byte F0 9F 98", [0xf0, 0x9f, 0x98]],
  ["surrogate ED A0 80", [0xed, 0xa0, 0x80]],
  ["F5 lead byte", [0xf5, 0x80, 0x80, 0x80]],
  ["FF byte", [0xff]],
  ["above U+10FFFF F4 90 80 80", [0xf4, 0x90, 0x80, 0x80]],
];

/** The invalid bytes placed between valid text, so a decoder cannot pass by checking the ends. */
const embedded = (bad: number[]) => Uint8Array.of(...encodeUtf8("ok"), ...bad, ...encodeUtf8("会"));

const EVENT_HEADER = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const withType = (type: number, ...body: number[]) => {
  const header = [...EVENT_HEADER];
  header[1] = type;
  return Uint8Array.of(...header, ...body);
};

Deno.test("invalid UTF-8 is refused with InvalidTextError", { permissions: "none" }, async (t) => {
  for (const [what, bad] of INVALID_UTF8) {
    await t.step(what, () => {
      for (const bytes of [Uint8Array.from(bad), embedded(bad)]) {
        throws(() => decodeUtf8(bytes, "text"), InvalidTextError, "decodeUtf8");
        throws(() => decodeRoomRequest(bytes), InvalidTextError, "request payload");
        throws(() => decodeName(bytes, "room name"), InvalidTextError, "room name");
        throws(() => decodeCommand(Uint8Array.of(1, ...bytes)), InvalidTextError, "chat command");
        const frame = {
          operation: 1,
          state: State.Complete,
          roomName: new Uint8Array(0),
          payload: bytes,
        };
        throws(() => decodeToken(frame), InvalidTextError, "token");
        throws(() => decodeRoomList(frame), InvalidTextError, "room list");
        // Chat: seq, sender, text; Joined: names; Left: reason, names; Notice: code, text;
        // Members: flags, name.
        const events = [
          withType(1, 0, 0, 0, 1, bytes.length, ...bytes),
          withType(1, 0, 0, 0, 1, 1, 0x61, ...bytes),
          withType(2, 0, 1, bytes.length, ...bytes),
          withType(3, 1, 0, 1, bytes.length, ...bytes),
          withType(7, 1, ...bytes),
          withType(8, 0, 1, 0, bytes.length, ...bytes),
        ];
        for (const [i, event] of events.entries()) {
          throws(() => decodeEvent(event), InvalidTextError, `event ${i}`);
        }
      }
    });
  }

  await t.step("the same positions accept valid text (so the cases above test the text)", () => {
    const bytes = encodeUtf8("ok会");
    strictEqual(decodeName(bytes, "room name"), "ok会");
    deepStrictEqual(decodeRoomRequest(bytes), { username: "ok会", password: null, eventFormat: 0 });
    deepStrictEqual(decodeCommand(Uint8Array.of(1, ...bytes)), { type: "chat", text: "ok会" });
    deepStrictEqual(decodeEvent(withType(1, 0, 0, 0, 1, bytes.length, ...bytes)), {
      type: "chat",
      time: 0,
      seq: 1,
      sender: "ok会",
      text: "",
    });
    deepStrictEqual(decodeEvent(withType(8, 0, 1, 0, bytes.length, ...bytes)), {
      type: "members",
      time: 0,
      members: [{ name: "ok会", host: false, you: false }],
    });
  });

  await t.step("a leading U+FEFF is kept as text, not stripped", () => {
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
    strictEqual(decodeUtf8(bytes, "text"), "\ufeffa");
    deepStrictEqual(
      decodeEvent(encodeEvent({ type: "notice", time: 0, code: 1, text: "\ufeffa" })),
      {
        type: "notice",
        time: 0,
        code: 1,
        text: "\ufeffa",
      },
    );
  });
});

/** Every code point the naming rules forbid (§1.2), listed independently of protocol/names.ts. */
const FORBIDDEN: [string, number[]][] = [
  ["C0 controls", Array.from({ length: 0x20 }, (_, i) => i)],
  ["DEL", [0x7f]],
  ["C1 controls", Array.from({ length: 0x20 }, (_, i) => 0x80 + i)],
  ["line and paragraph separators", [0x2028, 0x2029]],
  ["Arabic letter mark", [0x061c]],
  ["LRM and RLM", [0x200e, 0x200f]],
  ["embeddings and overrides", [0x202a, 0x202b, 0x202c, 0x202d, 0x202e]],
  ["isolates", [0x2066, 0x2067, 0x2068, 0x2069]],
];

Deno.test(
  "validateName() and decodeName() apply the naming rules",
  { permissions: "none" },
  async (t) => {
    for (const [what, codePoints] of FORBIDDEN) {
      await t.step(`refuses ${what}, alone, first, inside and last`, () => {
        for (const codePoint of codePoints) {
          const char = String.fromCodePoint(codePoint);
          for (const name of [char, `${char}ann`, `an${char}n`, `ann${char}`]) {
            const label = `U+${codePoint.toString(16).padStart(4, "0")} in ${JSON.stringify(name)}`;
            throws(() => validateName(name, "username"), InvalidTextError, label);
            throws(() => decodeName(encodeUtf8(name), "username"), InvalidTextError, label);
          }
        }
      });
    }

    await t.step("refuses the empty name and 256 bytes", () => {
      for (const name of ["", "a".repeat(256), "会".repeat(85) + "a"]) {
        throws(() => validateName(name, "room name"), InvalidTextError);
        throws(() => decodeName(encodeUtf8(name), "room name"), InvalidTextError);
      }
    });

    await t.step("accepts Japanese, emoji, spaces, punctuation and exactly 255 bytes", () => {
      const names = [
        "さくら",
        "会話ルーム",
        "😀",
        "👨‍👩‍👧",
        "ann bo",
        "a-b_c.d!?",
        "é",
        "a".repeat(255),
        "会".repeat(85),
        "😀".repeat(63) + "会",
      ];
      for (const name of names) {
        strictEqual(validateName(name, "room name"), name);
        strictEqual(decodeName(encodeUtf8(name), "room name"), name);
      }
    });

    await t.step("neighbours of the forbidden ranges are accepted", () => {
      for (const codePoint of [0x21, 0x7e, 0xa1, 0x061b, 0x061d, 0x2027, 0x2030, 0x2070]) {
        const name = String.fromCodePoint(codePoint);
        strictEqual(validateName(name, "username"), name, codePoint.toString(16));
      }
    });

    // These neighbours were accepted before the rules about what a reader can see (§1.2): a
    // lone SPACE, NO-BREAK SPACE, ZERO WIDTH JOINER, NARROW NO-BREAK SPACE, and the default
    // ignorable U+2065 and U+206A show as nothing or as a space.
    await t.step("neighbours that show as nothing or as a space are refused", () => {
      for (const codePoint of [0x20, 0xa0, 0x200d, 0x202f, 0x2065, 0x206a]) {
        const name = String.fromCodePoint(codePoint);
        throws(() => validateName(name, "username"), InvalidTextError, codePoint.toString(16));
      }
    });

    // Bug: a JSON request can carry a lone surrogate as "\ud800". It passes validateName, so the
    // server would keep a username that is not valid UTF-8 and that encodeUtf8 turns into U+FFFD
    // (two such names then collide on the wire).
    await t.step("refuses lone surrogates", () => {
      for (const name of ["\ud800", "a\udc00", "\ud83d"]) {
        throws(() => validateName(name, "username"), InvalidTextError, JSON.stringify(name));
      }
      throws(() => decodeRoomRequest(encodeUtf8('{"username":"\\ud800"}')), InvalidTextError);
    });

    await t.step("the error names the field", () => {
      throws(() => validateName("", "room name"), /room name/);
      throws(() => decodeName(Uint8Array.of(0xff), "username"), /username/);
    });
  },
);

/** Blanks, invisible and format characters, combining marks (§1.2's rules on visibility). */
const NOT_PLAIN = /[\p{White_Space}\u2800\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}]/v;

Deno.test("the naming rules agree with an independent oracle", { permissions: "none" }, () => {
  const forbidden = new Set(FORBIDDEN.flatMap(([, codePoints]) => codePoints));
  const forbiddenChar = fc.constantFrom(...[...forbidden].map((c) => String.fromCodePoint(c)));
  // The characters the rules about visibility and NFC concern are left to
  // protocol_names_test.ts: here every other character is fair game.
  const anyChar = fc.string({ unit: "binary", minLength: 1, maxLength: 1 })
    .filter((char) => !NOT_PLAIN.test(char) && char.normalize("NFC") === char);
  const unit = fc.oneof({ arbitrary: anyChar, weight: 30 }, {
    arbitrary: forbiddenChar,
    weight: 1,
  });
  // Short names mostly test the characters; long ones reach past 255 bytes.
  const name = fc.oneof(
    fc.string({ unit, maxLength: 20 }),
    fc.string({ unit, maxLength: 100, size: "max" }),
  );
  const isValid = (name: string) => {
    const size = encodeUtf8(name).length;
    return size >= 1 && size <= MAX_NAME_BYTES &&
      [...name].every((char) => !forbidden.has(char.codePointAt(0) ?? 0));
  };
  fc.assert(
    fc.property(name, (name) => {
      let accepted: boolean;
      try {
        strictEqual(validateName(name, "name"), name);
        strictEqual(decodeName(encodeUtf8(name), "name"), name);
        accepted = true;
      } catch (error) {
        if (!(error instanceof InvalidTextError)) throw error;
        throws(() => decodeName(encodeUtf8(name), "name"), InvalidTextError);
        accepted = false;
      }
      strictEqual(accepted, isValid(name), JSON.stringify(name));
    }),
    { seed: 0x6b616977, numRuns: 2000 },
  );
});
