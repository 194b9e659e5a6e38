/**
 * Datagrams find their member by the token's bytes (a hash of them, then a comparison), never by
 * decoding them: tokens that share a hash, tokens that differ in one byte, and bytes that are not
 * ASCII must all find the right member or none.
 */

import { strictEqual } from "node:assert/strict";
import { DropReason } from "../server/state/mod.ts";
import { admitted, encoder, request, send, setup } from "./state_fixture.ts";

/** FNV-1a over the character codes, as the index hashes a token. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Two different tokens of the form `t-<n>` with the same hash (a birthday search). */
function collidingTokens(): [string, string] {
  const seen = new Map<number, string>();
  for (let n = 0;; n++) {
    const token = `t-${n}`;
    const other = seen.get(fnv1a(token));
    if (other !== undefined) return [other, token];
    seen.set(fnv1a(token), token);
  }
}

Deno.test("tokens found by their bytes", { permissions: "none" }, async (t) => {
  await t.step("two tokens with the same hash each find their own member", () => {
    const [first, second] = collidingTokens();
    const issued = [first, second, "t-other"];
    const { state, notifier } = setup({}, () => issued.shift()!);
    const host = admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    strictEqual(host.token, first);
    strictEqual(bob.token, second);
    strictEqual(state.memberByToken(first), host);
    strictEqual(state.memberByToken(second), bob);
    const bytes = encoder.encode(`x${second}`);
    strictEqual(state.memberByTokenBytes(bytes, 1, second.length), bob);
    notifier.calls = [];
    send(state, bob, "hi");
    strictEqual(notifier.calls.filter((call) => call[0] === "chat")[0]?.[2], "bob");
    state.leave(bob, 0);
    strictEqual(state.memberByToken(second), undefined);
    strictEqual(state.memberByToken(first), host, "its bucket partner stays");
    strictEqual(state.memberByTokenBytes(encoder.encode(first), 0, first.length), host);
  });
  await t.step("a token one byte off, longer, shorter or not ASCII finds nobody", () => {
    const { state } = setup({}, () => "abcdef");
    const host = admitted(state.createRoom(request("r", "ann"), null, 0));
    const lookup = (bytes: Uint8Array) => state.memberByTokenBytes(bytes, 0, bytes.length);
    strictEqual(lookup(encoder.encode("abcdef")), host);
    strictEqual(lookup(encoder.encode("abcdeg")), undefined);
    strictEqual(lookup(encoder.encode("abcdefg")), undefined);
    strictEqual(lookup(encoder.encode("abcde")), undefined);
    // "ã" is U+00E3: its character code fits a byte, its UTF-8 bytes are two others. The server
    // issues ASCII tokens only; one that is not is matched by no bytes at all.
    const { state: other } = setup({}, () => "abcdeã");
    admitted(other.createRoom(request("r", "ann"), null, 0));
    strictEqual(
      other.memberByTokenBytes(Uint8Array.of(97, 98, 99, 100, 101, 0xe3), 0, 6),
      undefined,
    );
    strictEqual(other.memberByTokenBytes(encoder.encode("abcdeã"), 0, 7), undefined);
  });
  await t.step("a datagram with an unknown token is dropped as such", () => {
    const { state } = setup();
    const host = admitted(state.createRoom(request("r", "ann"), null, 0));
    const stranger = Object.assign(Object.create(Object.getPrototypeOf(host)), host, {
      token: "token-999",
    });
    send(state, stranger, "hi");
    strictEqual(state.counters[DropReason.UnknownToken], 1);
  });
});
