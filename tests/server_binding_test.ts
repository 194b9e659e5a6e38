/**
 * Address binding across NAT (docs/protocol.md §2.6): a member's UDP address is what the server
 * observes. An announced port is a hint; the first valid datagram from the member's IP binds its
 * source port; a new port of the same IP re-binds only once the bound port has been quiet for
 * REBIND_QUIET_MS; nothing without the token binds anything.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { encodeClientDatagram } from "../protocol/datagram.ts";
import { Operation } from "../protocol/mod.ts";
import { REBIND_QUIET_MS } from "../server/state/mod.ts";
import { admitted, encoder, IP, request, send, setup } from "./state_fixture.ts";
import {
  enter,
  roomRequest,
  SILENCE_MS,
  startTestServer,
  tcrpRequest,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;

Deno.test("ServerState binds a member to the address it observes", async (t) => {
  await t.step("a port-rewriting NAT: the first datagram binds, not the announcement", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    state.announcePort(bob, 6000, 0);
    admitted(state.joinRoom(request("r", "cat"), null, 0));
    state.flushJoins(0);
    notifier.take();
    // bob's announcement was a guess the NAT falsified: the arrival it missed is told again.
    send(state, bob, "", { port: 40000 });
    deepStrictEqual(bob.address, { transport: "udp", hostname: IP, port: 40000 });
    deepStrictEqual(notifier.take(), [["missedArrivals", "bob", ["cat"]]]);
    strictEqual(state.counters.total, 0);
    ok(ann.active);
  });
  await t.step("a new port is dropped while the bound one is live, re-binds once quiet", () => {
    const { state, notifier } = setup();
    const ann = admitted(state.createRoom(request("r", "ann", true), null, 0));
    send(state, ann, "", { port: 7000, now: 1_000 });
    notifier.take();
    send(state, ann, "", { port: 7001, now: 1_000 + REBIND_QUIET_MS - 1 });
    strictEqual(state.counters.wrongAddress, 1);
    strictEqual(ann.address?.port, 7000);
    strictEqual(ann.lastActive, 1_000);
    send(state, ann, "", { port: 7001, now: 1_000 + REBIND_QUIET_MS });
    strictEqual(ann.address?.port, 7001);
    strictEqual(ann.lastActive, 1_000 + REBIND_QUIET_MS);
    // A kaiwa member hears the member list at its new address.
    deepStrictEqual(notifier.take(), [["members", "ann"]]);
    // The old port is now the stranger: dropped while the new one is live.
    send(state, ann, "", { port: 7000, now: 1_000 + REBIND_QUIET_MS + 1 });
    strictEqual(state.counters.wrongAddress, 2);
    strictEqual(state.boundAddressCount, 1);
  });
  await t.step("the same IP without the token binds nothing and takes nothing over", () => {
    const { state } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    send(state, ann, "", { port: 7000, now: 0 });
    const forged = (token: string) =>
      encodeClientDatagram(encoder.encode("r"), encoder.encode(token), encoder.encode("hi"));
    for (const now of [1, REBIND_QUIET_MS * 10]) {
      state.receive(forged("guess"), IP, 7999, now);
      state.receive(forged(ann.token.slice(1)), IP, 7999, now);
    }
    strictEqual(state.counters.unknownToken, 4);
    strictEqual(ann.address?.port, 7000);
    // Nor does a member of the same IP with a token of its own.
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    send(state, bob, "", { port: 7999, now: 2 });
    strictEqual(ann.address?.port, 7000);
  });
  await t.step("another IP never binds, however quiet the member", () => {
    const { state } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    send(state, ann, "", { port: 7000, now: 0 });
    send(state, ann, "", { ip: "10.0.0.9", port: 7000, now: REBIND_QUIET_MS * 10 });
    strictEqual(state.counters.wrongAddress, 1);
    strictEqual(ann.address?.hostname, IP);
  });
});

Deno.test("binding over loopback sockets", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const { counters } = test.server.state;
  const annToken = await enter(test, ann, CreateRoom, "r", "ann", { announce: true });

  await t.step("a standard client whose announced port is not its source (NAT)", async () => {
    await using announced = new UdpClient();
    const answer = await tcrpRequest(test.tcpPort, JoinRoom, "r", roomRequest("bob"), {
      announcePort: announced.port,
    });
    const token = answer.token;
    ok(token !== null);
    await waitFor(
      () => test.server.state.memberByToken(token)?.address?.port === announced.port,
      "the announcement as a hint",
    );
    await bob.send(test.udp, "r", token, "hello through the NAT");
    strictEqual(await ann.receiveText(), "* bob joined");
    strictEqual(await ann.receiveText(), "bob: hello through the NAT");
    strictEqual(test.server.state.memberByToken(token)?.address?.port, bob.port);
    await ann.send(test.udp, "r", annToken, "hi bob");
    strictEqual(await bob.receiveText(), "ann: hi bob");
    strictEqual(await announced.receive(SILENCE_MS), null);
    strictEqual(counters.wrongAddress, 0);
  });

  await t.step(
    "a NAT rebinding: dropped while the old port lives, re-bound once quiet",
    async () => {
      await using rebound = new UdpClient();
      await rebound.send(test.udp, "r", annToken, "too soon");
      await waitFor(() => counters.wrongAddress === 1, "a wrongAddress drop");
      strictEqual(await bob.receive(SILENCE_MS), null);
      test.clock.advance(REBIND_QUIET_MS);
      await rebound.send(test.udp, "r", annToken, "from my new port");
      strictEqual(await bob.receiveText(), "ann: from my new port");
      await bob.send(
        test.udp,
        "r",
        test.server.state.rooms.get("r")!.members.get("bob")!.token,
        "ok",
      );
      strictEqual(await rebound.receiveText(), "bob: ok");
      strictEqual(await ann.receive(SILENCE_MS), null);
    },
  );

  await t.step("a neighbour on the same IP without the token cannot take over", async () => {
    await using neighbour = new UdpClient();
    test.clock.advance(REBIND_QUIET_MS * 2);
    const before = counters.unknownToken;
    await neighbour.send(test.udp, "r", "x".repeat(annToken.length), "I am ann now");
    await waitFor(() => counters.unknownToken === before + 1, "an unknownToken drop");
    deepStrictEqual(await Promise.all([bob.receive(SILENCE_MS), neighbour.receive(SILENCE_MS)]), [
      null,
      null,
    ]);
  });
});
