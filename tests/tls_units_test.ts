/**
 * The pure parts of TLS support: sniffing the first bytes, fingerprints, the known-servers file's
 * lines and first-use notice, and the default data directory of each platform.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { defaultDataDir, NoDataDirError } from "../cli/data_dir.ts";
import { parseKnownServers, pinnedNotice, serverKey } from "../client/known_servers.ts";
import { encodeRequestFrame, Operation, startsTlsHandshake } from "../protocol/mod.ts";
import { fingerprintOfDer, isFingerprint } from "../util/mod.ts";

Deno.test("a ClientHello is told from a TCRP request by its first three bytes", () => {
  for (const minor of [1, 2, 3]) {
    strictEqual(startsTlsHandshake(new Uint8Array([0x16, 3, minor])), true);
  }
  // A request whose room name is 22 bytes and whose operation is 3 still has State 0.
  strictEqual(startsTlsHandshake(new Uint8Array([0x16, 0x03, 0x00])), false);
  strictEqual(startsTlsHandshake(encodeRequestFrame(Operation.CreateRoom, "lobby", null)), false);
  strictEqual(startsTlsHandshake(new Uint8Array([0x16, 0x03])), false);
});

Deno.test("fingerprints are SHA256: and the unpadded base64 digest", async () => {
  const empty = await fingerprintOfDer(new Uint8Array(0));
  strictEqual(empty, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
  strictEqual(isFingerprint(empty), true);
  strictEqual(isFingerprint("SHA256:short"), false);
  strictEqual(isFingerprint(empty.replace("SHA256:", "sha256:")), false);
});

Deno.test("known_servers lines: host:port and a fingerprint; comments and bad lines skipped", () => {
  const a = `SHA256:${"a".repeat(43)}`;
  const b = `SHA256:${"b".repeat(43)}`;
  const text =
    `# pinned\n127.0.0.1:9001 ${a}\n\nbad line here\n[::1]:9001 ${b}\n127.0.0.1:9001 ${b}\n`;
  deepStrictEqual(
    [...parseKnownServers(text)],
    [["127.0.0.1:9001", a], ["[::1]:9001", b]],
  );
  strictEqual(serverKey("::1", 9001), "[::1]:9001");
  strictEqual(serverKey("chat.example", 9001), "chat.example:9001");
});

Deno.test("the first-use notice is one line naming the server, its fingerprint and the file", () => {
  const pin = {
    key: "[::1]:9001",
    fingerprint: `SHA256:${"a".repeat(43)}`,
    file: "/home/a/.local/state/kaiwa/known_servers",
  };
  const notice = pinnedNotice(pin);
  ok(notice.includes(` ${pin.key}:`) && notice.includes(` ${pin.fingerprint} `), notice);
  ok(notice.includes(` ${pin.file} `) && !notice.includes("\n"), notice);
});

Deno.test("the default data directory follows each platform's convention", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  strictEqual(defaultDataDir("linux", env({ HOME: "/home/a" })), "/home/a/.local/state/kaiwa");
  strictEqual(
    defaultDataDir("linux", env({ HOME: "/home/a", XDG_STATE_HOME: "/s" })),
    "/s/kaiwa",
  );
  strictEqual(
    defaultDataDir("darwin", env({ HOME: "/Users/a" })),
    "/Users/a/Library/Application Support/kaiwa",
  );
  strictEqual(
    defaultDataDir("windows", env({ LOCALAPPDATA: "C:\\Users\\a\\AppData\\Local" })),
    "C:\\Users\\a\\AppData\\Local\\kaiwa",
  );
  throws(() => defaultDataDir("linux", env({})), NoDataDirError);
});
