/**
 * Issue 10: every cost bounded per source. Pure state tests, driven by an injected clock: ICMP
 * errors as hints only (#9), member caps and the bind timeout (#7), the per-source chat rate
 * (#8), rooms per source (#6), and the source key that groups IPv6 by /64.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { CloseReason, Command, LeaveReason, RemoveReason, Status } from "../protocol/constants.ts";
import { MAX_DELIVERY_FAILURES, sourceKey, UNREACHABLE_SILENCE_MS } from "../server/state/mod.ts";
import { admitted, PORT, request, send, setup } from "./state_fixture.ts";

const MS_PER_SECOND = 1000;

Deno.test("ICMP failures are a hint, never a verdict on their own (#9)", async (t) => {
  await t.step("a kaiwa member that keeps sending is never removed, however many fail", () => {
    const { state } = setup();
    admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob", true), null, 0));
    for (let now = 0; now < 120 * MS_PER_SECOND; now += MS_PER_SECOND) {
      // A ping every 5 s, as kaiwa's client sends, and forged failures in between.
      if (now % 5_000 === 0) send(state, bob, Uint8Array.of(Command.Ping), { now });
      for (let i = 0; i < 10; i++) state.unreachable("10.0.0.1", PORT, now);
      state.sweep(now);
    }
    ok(bob.active);
    ok(bob.failures >= MAX_DELIVERY_FAILURES);
  });
  await t.step("the host's room never closes on failures alone", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann", true), null, 0));
    admitted(state.joinRoom(request("r", "bob", true), null, 0));
    for (let now = 0; now < 60 * MS_PER_SECOND; now += MS_PER_SECOND) {
      send(state, ann, "", { now });
      for (let i = 0; i < 100; i++) state.deliveryFailed(ann, now);
      state.sweep(now);
    }
    ok(ann.active);
    ok(state.rooms.has("r"));
    ok(!notifier.take().some((call) => call[0] === "roomClosed"));
  });
  await t.step("a standard member is removed by --timeout only, failures or not", () => {
    const { state } = setup();
    admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    send(state, bob, "", { now: 0 });
    const late = 100 * MS_PER_SECOND;
    for (let i = 0; i < 10; i++) state.deliveryFailed(bob, late);
    state.sweep(late);
    ok(bob.active);
    state.sweep(301 * MS_PER_SECOND);
    ok(!bob.active);
  });
  await t.step("a silent kaiwa member with failures is still removed, by the sweep too", () => {
    const { state, notifier } = setup();
    admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob", true), null, 0));
    send(state, bob, "", { now: 0 });
    state.flushJoins(0);
    for (let i = 0; i < MAX_DELIVERY_FAILURES; i++) state.deliveryFailed(bob, MS_PER_SECOND);
    ok(bob.active);
    notifier.take();
    state.sweep(UNREACHABLE_SILENCE_MS - 1);
    ok(bob.active);
    state.sweep(UNREACHABLE_SILENCE_MS);
    ok(!bob.active);
    deepStrictEqual(notifier.take(), [["left", "r", ["bob"], LeaveReason.Unreachable]]);
  });
});

Deno.test("members are capped per source and server-wide; unbound ones expire (#7)", async (t) => {
  await t.step("the (N+1)th member from one source is TooManyRequests; others still join", () => {
    const { state } = setup({ maxMembersPerIp: 3 });
    admitted(state.createRoom(request("r", "h0", false, "10.0.0.1"), null, 0));
    admitted(state.joinRoom(request("r", "a1", false, "10.0.0.1"), null, 0));
    admitted(state.joinRoom(request("r", "a2", false, "10.0.0.1"), null, 0));
    strictEqual(
      state.joinRoom(request("r", "a3", false, "10.0.0.1"), null, 0).status,
      Status.TooManyRequests,
    );
    strictEqual(
      state.createRoom(request("s", "a3", false, "10.0.0.1"), null, 0).status,
      Status.TooManyRequests,
    );
    admitted(state.joinRoom(request("r", "b1", false, "10.0.0.2"), null, 0));
  });
  await t.step("IPv6 addresses of one /64 are one source", () => {
    const { state } = setup({ maxMembersPerIp: 2 });
    admitted(state.createRoom(request("r", "h", false, "2001:db8:0:1::1"), null, 0));
    admitted(state.joinRoom(request("r", "a", false, "2001:db8:0:1:aaaa::2"), null, 0));
    strictEqual(
      state.joinRoom(request("r", "b", false, "2001:db8::1:ffff:ffff:ffff:3"), null, 0).status,
      Status.TooManyRequests,
    );
    admitted(state.joinRoom(request("r", "c", false, "2001:db8:0:2::1"), null, 0));
  });
  await t.step("a member leaving frees its place", () => {
    const { state } = setup({ maxMembersPerIp: 2 });
    admitted(state.createRoom(request("r", "h"), null, 0));
    const a = admitted(state.joinRoom(request("r", "a"), null, 0));
    strictEqual(state.joinRoom(request("r", "b"), null, 0).status, Status.TooManyRequests);
    state.leave(a, 0);
    admitted(state.joinRoom(request("r", "b"), null, 0));
  });
  await t.step("--max-members reached is ServerFull for a join and a create", () => {
    const { state } = setup({ maxMembers: 2 });
    admitted(state.createRoom(request("r", "h", false, "10.0.0.1"), null, 0));
    admitted(state.joinRoom(request("r", "a", false, "10.0.0.2"), null, 0));
    strictEqual(
      state.joinRoom(request("r", "b", false, "10.0.0.3"), null, 0).status,
      Status.ServerFull,
    );
    strictEqual(
      state.createRoom(request("s", "b", false, "10.0.0.3"), null, 0).status,
      Status.ServerFull,
    );
  });
  await t.step("an unbound member is removed after --bind-timeout; a bound one stays", () => {
    const { state, notifier } = setup({ bindTimeoutSeconds: 20 });
    const host = admitted(state.createRoom(request("r", "ann"), null, 0));
    const bound = admitted(state.joinRoom(request("r", "bob"), null, 0));
    const unbound = admitted(state.joinRoom(request("r", "cat"), null, 0));
    state.announcePort(host, PORT, 0);
    state.announcePort(bound, PORT + 1, 0);
    state.flushJoins(0);
    state.sweep(20 * MS_PER_SECOND - 1);
    ok(unbound.active);
    state.sweep(20 * MS_PER_SECOND);
    ok(!unbound.active && bound.active);
    strictEqual(state.memberByToken(unbound.token), undefined);
    ok(notifier.take().some((call) => call[0] === "left" && call[3] === LeaveReason.TimedOut));
  });
  await t.step("an unbound host's room closes; its place and its room count are freed", () => {
    const { state, notifier } = setup({ bindTimeoutSeconds: 20, maxRoomsPerIp: 1 });
    admitted(state.createRoom(request("r", "ann"), null, 0));
    strictEqual(state.createRoom(request("s", "ann"), null, 0).status, Status.TooManyRequests);
    state.sweep(20 * MS_PER_SECOND);
    strictEqual(state.rooms.size, 0);
    deepStrictEqual(notifier.take(), [
      ["removed", "ann", RemoveReason.Inactivity],
      ["roomClosed", "r", CloseReason.HostTimedOut, "ann"],
    ]);
    strictEqual(state.trackedSources, 0);
    admitted(state.createRoom(request("s", "ann"), null, 20 * MS_PER_SECOND));
  });
});

Deno.test("one source's members share one chat rate (#8)", async (t) => {
  await t.step("many members of one source relay no more than the source's burst", () => {
    const { state, notifier } = setup({
      floodRate: 5,
      floodBurst: 10,
      ipFloodRate: 20,
      maxRoomMembers: 100,
    });
    const host = admitted(state.createRoom(request("r", "h0", false, "10.0.0.1"), null, 0));
    const members = [host];
    for (let i = 1; i < 20; i++) {
      members.push(admitted(state.joinRoom(request("r", `m${i}`, false, "10.0.0.1"), null, 0)));
    }
    const other = admitted(state.joinRoom(request("r", "other", false, "10.0.0.2"), null, 0));
    members.forEach((member, i) => send(state, member, "", { now: 0, port: PORT + i }));
    notifier.take();
    // Each member sends 5 messages: 100 in all, each member within its own limit of 10.
    members.forEach((member, i) => {
      for (let n = 0; n < 5; n++) send(state, member, `x${n}`, { now: 0, port: PORT + i });
    });
    const relayed = notifier.take().filter((call) => call[0] === "chat").length;
    // The source's burst: 2 s of its rate.
    strictEqual(relayed, 40);
    strictEqual(state.counters.flood, 60);
    // Another source is unaffected.
    send(state, other, "", { now: 0, port: 9000 });
    for (let n = 0; n < 10; n++) send(state, other, `y${n}`, { now: 0, port: 9000 });
    strictEqual(notifier.take().filter((call) => call[0] === "chat").length, 10);
    // A second later the source has 20 more.
    members.forEach((member, i) => {
      for (let n = 0; n < 5; n++) send(state, member, `z${n}`, { now: 1_000, port: PORT + i });
    });
    strictEqual(notifier.take().filter((call) => call[0] === "chat").length, 20);
  });
  await t.step("the per-source table forgets idle sources", () => {
    const { state } = setup({ ipFloodRate: 20 });
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    send(state, ann, "hi", { now: 0 });
    strictEqual(state.trackedChatSources, 1);
    state.sweep(10 * MS_PER_SECOND);
    strictEqual(state.trackedChatSources, 0);
  });
});

Deno.test("rooms are capped per source, IPv6 by /64 (#6)", () => {
  const { state } = setup({ maxRoomsPerIp: 2 });
  admitted(state.createRoom(request("a", "u", false, "2001:db8:0:1::1"), null, 0));
  admitted(state.createRoom(request("b", "u", false, "2001:db8:0:1::2"), null, 0));
  strictEqual(
    state.createRoom(request("c", "u", false, "2001:db8:0:1::1"), null, 0).status,
    Status.TooManyRequests,
  );
  strictEqual(
    state.createRoom(request("c", "u", false, "2001:db8:0:1:ffff::9"), null, 0).status,
    Status.TooManyRequests,
  );
  admitted(state.createRoom(request("c", "u", false, "10.0.0.9"), null, 0));
  admitted(state.createRoom(request("d", "u", false, "2001:db8:0:2::1"), null, 0));
});

Deno.test("sourceKey: an IPv4 address itself, an IPv6 address its /64", () => {
  strictEqual(sourceKey("192.0.2.1"), "192.0.2.1");
  strictEqual(sourceKey("::ffff:192.0.2.1"), "192.0.2.1");
  strictEqual(sourceKey("2001:db8:0:1::5"), "2001:db8:0:1::/64");
  strictEqual(sourceKey("2001:DB8:0000:0001:ffff:0:0:1"), "2001:db8:0:1::/64");
  strictEqual(sourceKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  strictEqual(sourceKey("::1"), "0:0:0:0::/64");
  ok(sourceKey("2001:db8:0:1::5") !== sourceKey("2001:db8:0:2::5"));
  strictEqual(sourceKey("not an address"), "not an address");
});
