/**
 * Resume (docs/protocol.md §2.5): a join that shows the token its member still holds comes back
 * as that member — same token, still host, no join or leave notices — at the IP it comes from now,
 * its UDP address unbound until its next datagram. Any other resume is an ordinary join.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { admitted, IP, request, send, setup } from "./state_fixture.ts";
import {
  enter,
  roomRequest,
  SILENCE_MS,
  startTestServer,
  tcrpRequest,
  tcrpStatusFrom,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const NEW_IP = "10.0.0.2";

Deno.test("ServerState resumes a member that shows its token", async (t) => {
  await t.step(
    "same member, same token, host still host, new IP, old address a hint, no notices",
    () => {
      const { state, notifier } = setup();
      const ann = admitted(state.createRoom(request("r", "ann", true), null, 0));
      const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
      send(state, ann, "", { port: 7000 });
      send(state, bob, "", { port: 7001 });
      state.flushJoins(0);
      notifier.take();
      const again = state.joinRoom(
        { ...request("r", "ann", true, NEW_IP), resume: ann.token },
        null,
        5,
      );
      strictEqual(again.status, Status.Ok);
      strictEqual(again.member, ann);
      ok(again.resumed);
      ok(ann.isHost);
      strictEqual(ann.ip, NEW_IP);
      // Deliveries still go to the old address, as a hint only, until a datagram proves the new one.
      strictEqual(ann.address?.port, 7000);
      strictEqual(ann.addressSeen, false);
      strictEqual(ann.lastActive, 5);
      strictEqual(state.memberCount, 2);
      state.flushJoins(5);
      deepStrictEqual(notifier.take(), []);
      // Its next datagram, from the new IP, binds it; the old IP is refused.
      send(state, ann, "", { ip: IP, port: 7000, now: 6 });
      strictEqual(state.counters.wrongAddress, 1);
      send(state, ann, "", { port: 9000, now: 6 });
      deepStrictEqual(ann.address, { transport: "udp", hostname: NEW_IP, port: 9000 });
    },
  );
  await t.step(
    "a resumed member keeps its address as a hint: --timeout, not the bind timeout",
    () => {
      const { state } = setup({ bindTimeoutSeconds: 10, timeoutSeconds: 60 });
      const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
      send(state, ann, "", { now: 0 });
      state.joinRoom({ ...request("r", "ann"), resume: ann.token }, null, 20_000);
      state.sweep(35_000);
      ok(ann.active);
      state.sweep(81_000);
      ok(!ann.active);
    },
  );
  await t.step("an unknown token is an ordinary join: the name is free, or the room gone", () => {
    const { state } = setup();
    admitted(state.createRoom(request("r", "ann"), null, 0));
    strictEqual(
      state.joinRoom({ ...request("gone", "bob"), resume: "old-token" }, null, 0).status,
      Status.RoomNotFound,
    );
    const bob = admitted(state.joinRoom({ ...request("r", "bob"), resume: "old-token" }, null, 0));
    strictEqual(bob.token !== "old-token", true);
  });
  await t.step("a token of another name or room is an ordinary join: the name stays taken", () => {
    const { state } = setup();
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    const bob = admitted(state.joinRoom(request("r", "bob"), null, 0));
    const cid = admitted(state.createRoom(request("s", "cid"), null, 0));
    strictEqual(
      state.joinRoom({ ...request("r", "ann"), resume: bob.token }, null, 0).status,
      Status.NameTaken,
    );
    strictEqual(
      state.joinRoom({ ...request("r", "ann"), resume: cid.token }, null, 0).status,
      Status.NameTaken,
    );
    // Without resume the name stays taken while its member is there.
    strictEqual(state.joinRoom(request("r", "ann"), null, 0).status, Status.NameTaken);
    ok(ann.active && bob.active && cid.active);
  });
  await t.step("moving to a source at its member cap is TooManyRequests", () => {
    const { state } = setup({ maxMembersPerIp: 1 });
    const ann = admitted(state.createRoom(request("r", "ann"), null, 0));
    admitted(state.joinRoom(request("r", "bob", false, NEW_IP), null, 0));
    strictEqual(
      state.joinRoom({ ...request("r", "ann", false, NEW_IP), resume: ann.token }, null, 0).status,
      Status.TooManyRequests,
    );
    strictEqual(ann.ip, IP);
    // Its own source is no obstacle.
    strictEqual(state.joinRoom({ ...request("r", "ann"), resume: ann.token }, null, 0).member, ann);
  });
});

Deno.test("resume over TCP keeps the member and moves it", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const token = await enter(test, ann, CreateRoom, "r", "ann", { kaiwa: true });
  await ann.receiveEvent(); // members
  await enter(test, bob, JoinRoom, "r", "bob");
  await ann.receiveEvent(); // bob joined
  const member = test.server.state.memberByToken(token);
  ok(member);

  await t.step("a join with resume answers the same token, from a new port", async () => {
    await using moved = new UdpClient();
    const answer = await tcrpRequest(test.tcpPort, JoinRoom, "r", {
      ...roomRequest("ann", { kaiwa: true }),
      resume: token,
    });
    strictEqual(answer.status, Status.Ok);
    strictEqual(answer.token, token);
    strictEqual(test.server.state.memberByToken(token), member);
    ok(member.isHost);
    await moved.send(test.udp, "r", token, "");
    await waitFor(() => member.address?.port === moved.port, "the member bound to its new port");
    deepStrictEqual((await moved.receiveEvent()).type, "members");
    test.server.state.flushJoins(test.clock.now());
    // No join or leave notice: it never left.
    strictEqual(await bob.receive(SILENCE_MS), null);
    await moved.send(test.udp, "r", token, "\x01hello again");
    strictEqual(await bob.receiveText(), "ann: hello again");
  });

  await t.step("a resume from another IP moves the member there", async () => {
    const status = await tcrpStatusFrom("127.0.0.2", test.tcpPort, JoinRoom, "r", {
      ...roomRequest("ann", { kaiwa: true }),
      resume: token,
    });
    strictEqual(status, Status.Ok);
    strictEqual(member.ip, "127.0.0.2");
    strictEqual(member.addressSeen, false);
    strictEqual(test.server.state.rooms.get("r")?.members.size, 2);
  });

  await t.step("without resume the name is taken; with an unknown token too", async () => {
    const plain = await tcrpRequest(test.tcpPort, JoinRoom, "r", roomRequest("ann"));
    strictEqual(plain.status, Status.NameTaken);
    const unknown = await tcrpRequest(test.tcpPort, JoinRoom, "r", {
      ...roomRequest("ann"),
      resume: "AAAAAAAAAAAAAAAAAAAAAA",
    });
    strictEqual(unknown.status, Status.NameTaken);
    const fresh = await tcrpRequest(test.tcpPort, JoinRoom, "r", {
      ...roomRequest("cat"),
      resume: "AAAAAAAAAAAAAAAAAAAAAA",
    });
    strictEqual(fresh.status, Status.Ok);
    ok(fresh.token !== null && fresh.token !== "AAAAAAAAAAAAAAAAAAAAAA");
  });
});
