/**
 * The create/join request payload (docs/protocol.md §2.5): kaiwa's JSON, the standard clients'
 * `user_name`, the raw username of the oldest clients, and every field's accepted types.
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  decodeRoomRequest,
  decodeTcrpFrame,
  encodeRequestFrame,
  encodeRoomRequest,
  encodeUtf8,
  EVENT_FORMAT_VERSION,
  InvalidTextError,
  Operation,
  ProtocolError,
  type RoomRequest,
  State,
} from "../protocol/mod.ts";

const decode = (text: string) => decodeRoomRequest(encodeUtf8(text));
const request = (
  username: string,
  password: string | null = null,
  eventFormat = 0,
): RoomRequest => ({
  username,
  password,
  eventFormat,
});

/** Asserts a ProtocolError that is about the request's fields, not its text. */
function throwsFieldError(text: string): void {
  throws(
    () => decode(text),
    (e) => e instanceof ProtocolError && !(e instanceof InvalidTextError),
    text,
  );
}

Deno.test("decodeRoomRequest() reads the username", { permissions: "none" }, async (t) => {
  await t.step("username", () => deepStrictEqual(decode('{"username":"ann"}'), request("ann")));
  await t.step("user_name, as standard clients send it", () => {
    deepStrictEqual(decode('{"user_name":"bo"}'), request("bo"));
  });
  await t.step("username wins over user_name", () => {
    deepStrictEqual(decode('{"user_name":"bo","username":"ann"}'), request("ann"));
  });
  await t.step("JSON escapes are decoded", () => {
    deepStrictEqual(decode('{"username":"\\u4f1a\\u8a71"}'), request("会話"));
  });
  await t.step("a missing or non-string username is a ProtocolError", () => {
    for (
      const text of [
        "{}",
        '{"password":"pw"}',
        '{"username":1}',
        '{"username":["a"]}',
        '{"user_name":true}',
      ]
    ) {
      throwsFieldError(text);
    }
  });
  await t.step("a username breaking the naming rules is an InvalidTextError", () => {
    for (
      const text of ['{"username":""}', '{"username":"a\\u0000"}', '{"user_name":"\\u202eevil"}']
    ) {
      throws(() => decode(text), InvalidTextError, text);
    }
    throws(() => decode(`{"username":"${"a".repeat(256)}"}`), InvalidTextError);
  });
});

Deno.test("decodeRoomRequest() takes anything but a JSON object as the raw username", {
  permissions: "none",
}, async (t) => {
  const raw: [string, string][] = [
    ["plain text", "alice"],
    ["Japanese text", "さくら"],
    ["JSON number text", "42"],
    ["JSON string text, quotes kept", '"x"'],
    ["JSON array", '["ann"]'],
    ["JSON null", "null"],
    ["JSON true", "true"],
    ["text that starts like JSON", '{"username":"ann"'],
    ["255 bytes", "a".repeat(255)],
  ];
  for (const [what, text] of raw) {
    await t.step(what, () => deepStrictEqual(decode(text), request(text)));
  }
  await t.step("a raw username still obeys the naming rules", () => {
    for (const text of ["", "a\tb", "a".repeat(256), "line\n"]) {
      throws(() => decode(text), InvalidTextError);
    }
  });
});

Deno.test("decodeRoomRequest() reads the password", { permissions: "none" }, async (t) => {
  await t.step(
    "a string",
    () => deepStrictEqual(decode('{"username":"a","password":"pw"}'), request("a", "pw")),
  );
  await t.step('"", null and absent all mean none', () => {
    for (
      const text of [
        '{"username":"a","password":""}',
        '{"username":"a","password":null}',
        '{"username":"a"}',
      ]
    ) {
      deepStrictEqual(decode(text), request("a"), text);
    }
  });
  await t.step("a password of another type is a ProtocolError", () => {
    for (const value of ["1", "0", "true", "false", "[]", "{}", '["pw"]']) {
      throwsFieldError(`{"username":"a","password":${value}}`);
    }
  });
});

Deno.test("decodeRoomRequest() reads the event format", { permissions: "none" }, async (t) => {
  const withKaiwa = (value: string) => `{"username":"a","kaiwa":${value}}`;
  await t.step("absent and 0 mean standard text", () => {
    deepStrictEqual(decode('{"username":"a"}').eventFormat, 0);
    deepStrictEqual(decode(withKaiwa("0")).eventFormat, 0);
  });
  await t.step("1 asks for kaiwa events", () => strictEqual(decode(withKaiwa("1")).eventFormat, 1));
  await t.step("a higher version is lowered to the one spoken", () => {
    for (const value of ["2", "7", "255", "1e300"]) {
      strictEqual(decode(withKaiwa(value)).eventFormat, EVENT_FORMAT_VERSION);
    }
  });
  await t.step("-1, 1.5, a string, a boolean or an object is a ProtocolError", () => {
    for (const value of ["-1", "1.5", '"1"', "true", "[1]", "{}"]) {
      throwsFieldError(withKaiwa(value));
    }
  });
});

Deno.test("decodeRoomRequest() reads the resume token", { permissions: "none" }, async (t) => {
  const withResume = (value: string) => `{"username":"a","resume":${value}}`;
  await t.step("a string is the token; the field is left out when absent", () => {
    deepStrictEqual(decode(withResume('"tok"')), { ...request("a"), resume: "tok" });
    strictEqual("resume" in decode('{"username":"a"}'), false);
  });
  await t.step('"" and null mean none', () => {
    deepStrictEqual(decode(withResume('""')), request("a"));
    deepStrictEqual(decode(withResume("null")), request("a"));
  });
  await t.step("another type, or over 255 bytes, is a ProtocolError", () => {
    for (const value of ["1", "true", '["tok"]', "{}", `"${"x".repeat(256)}"`]) {
      throwsFieldError(withResume(value));
    }
  });
  await t.step("it round-trips", () => {
    const value = { ...request("ann", "pw", 1), resume: "AAECAwQFBgcICQoLDA0ODw" };
    deepStrictEqual(decodeRoomRequest(encodeRoomRequest(value)), value);
  });
});

Deno.test(
  "encodeRoomRequest() round-trips through decodeRoomRequest()",
  { permissions: "none" },
  async (t) => {
    await t.step("kaiwa's own JSON, field by field", () => {
      strictEqual(
        new TextDecoder().decode(encodeRoomRequest(request("ann"))),
        '{"username":"ann"}',
      );
      strictEqual(
        new TextDecoder().decode(encodeRoomRequest(request("ann", "pw", 1))),
        '{"username":"ann","password":"pw","kaiwa":1}',
      );
    });
    await t.step("values with quotes, escapes and non-ASCII text", () => {
      for (
        const value of [
          request("ann"),
          request("ann", "pw", 1),
          request('"quoted" \\ name', 'p"w\\', 0),
          request("さくら", "パスワード😀", 1),
          request("a".repeat(255), "x".repeat(1000), 1),
        ]
      ) {
        deepStrictEqual(decodeRoomRequest(encodeRoomRequest(value)), value);
      }
    });
    await t.step("an empty password is sent as none", () => {
      deepStrictEqual(decodeRoomRequest(encodeRoomRequest(request("ann", ""))), request("ann"));
    });
    await t.step("a whole request frame", () => {
      const frame = decodeTcrpFrame(
        encodeRequestFrame(Operation.JoinRoom, "部屋", request("ann", "pw", 1)),
      );
      strictEqual(frame.operation, Operation.JoinRoom);
      strictEqual(frame.state, State.Request);
      deepStrictEqual(frame.roomName, encodeUtf8("部屋"));
      deepStrictEqual(decodeRoomRequest(frame.payload), request("ann", "pw", 1));
    });
  },
);
