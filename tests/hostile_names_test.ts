/**
 * Names over TCP: room names and usernames with control characters, bidi controls, line
 * separators or invalid UTF-8 are refused with status 4 and leave no trace in the state.
 */

import { strictEqual } from "node:assert/strict";
import { MAX_NAME_BYTES, Operation, Status } from "../protocol/mod.ts";
import { roomRequest, startTestServer, tcrpRequest } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const encoder = new TextEncoder();
const json = (text: string) => encoder.encode(text);

/** Names that break a rule of §1.2, as text. */
const BAD_TEXT: [string, string][] = [
  ["NUL", "a\u0000b"],
  ["BEL", "a\u0007b"],
  ["LF", "a\nb"],
  ["CR", "a\rb"],
  ["ESC (terminal escapes)", "\u001b[2Jx"],
  ["DEL", "a\u007fb"],
  ["C1 NEL", "a\u0085b"],
  ["C1 CSI", "a\u009bb"],
  ["LRE", "a\u202ab"],
  ["RLO", "evil\u202etxt.exe"],
  ["PDF", "a\u202cb"],
  ["LRI", "a\u2066b"],
  ["PDI", "a\u2069b"],
  ["LRM", "a\u200eb"],
  ["RLM", "a\u200fb"],
  ["ALM", "a\u061cb"],
  ["line separator", "a\u2028b"],
  ["paragraph separator", "a\u2029b"],
  ["256 bytes", "a".repeat(256)],
];

/** Names that are not UTF-8, as bytes. */
const BAD_BYTES: [string, number[]][] = [
  ["0xff", [0x61, 0xff]],
  ["overlong NUL", [0xc0, 0x80]],
  ["a surrogate", [0xed, 0xa0, 0x80]],
  ["a sequence cut short", [0xe3, 0x81]],
  ["beyond U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["a lone continuation byte", [0x80]],
];

Deno.test("names breaking the naming rules are refused with status 4", async (t) => {
  await using test = await startTestServer();
  const port = test.tcpPort;
  strictEqual((await tcrpRequest(port, CreateRoom, "lobby", roomRequest("ann"))).status, Status.Ok);
  const { state } = test.server;
  const refused = async (room: string | Uint8Array, payload: Uint8Array, operation: number) => {
    const answer = await tcrpRequest(port, operation, room, payload);
    strictEqual(answer.status, Status.InvalidRequest);
  };

  await t.step("as text: room names, and usernames in JSON and raw", async () => {
    for (const [what, name] of BAD_TEXT) {
      const escaped = json(JSON.stringify({ username: name }));
      // A room name over 255 bytes cannot even be framed: its size field is one byte.
      if (encoder.encode(name).length <= MAX_NAME_BYTES) {
        await refused(name, json('{"username":"ok"}'), CreateRoom).catch((error) => {
          throw new Error(`Room name with ${what}: ${error.message}`);
        });
      }
      await refused("lobby", escaped, JoinRoom).catch((error) => {
        throw new Error(`JSON username with ${what}: ${error.message}`);
      });
      await refused("lobby", encoder.encode(name), JoinRoom).catch((error) => {
        throw new Error(`Raw username with ${what}: ${error.message}`);
      });
    }
  });
  await t.step("as bytes that are not UTF-8", async () => {
    for (const [what, bytes] of BAD_BYTES) {
      const name = Uint8Array.from(bytes);
      const inJson = Uint8Array.of(...json('{"username":"'), ...name, ...json('"}'));
      await refused(name, json('{"username":"ok"}'), CreateRoom).catch((error) => {
        throw new Error(`Room name with ${what}: ${error.message}`);
      });
      await refused("lobby", inJson, JoinRoom).catch((error) => {
        throw new Error(`JSON username with ${what}: ${error.message}`);
      });
      await refused("lobby", name, JoinRoom).catch((error) => {
        throw new Error(`Raw username with ${what}: ${error.message}`);
      });
    }
  });
  await t.step("a lone surrogate escaped in JSON", async () => {
    await refused("lobby", json('{"username":"a\\ud800"}'), JoinRoom);
  });
  await t.step("none of them left a room or a member behind", () => {
    strictEqual(state.rooms.size, 1);
    strictEqual(state.memberCount, 1);
    strictEqual(test.server.faults.count, 0);
  });
  await t.step("names that keep the rules are accepted", async () => {
    for (const name of ["さくら", "ann 👋", "Zoë", "a".repeat(255), "عربي"]) {
      strictEqual(
        (await tcrpRequest(port, JoinRoom, "lobby", roomRequest(name))).status,
        Status.Ok,
        name,
      );
    }
    strictEqual(
      (await tcrpRequest(port, CreateRoom, "東京", roomRequest("ann"))).status,
      Status.Ok,
    );
  });
});
