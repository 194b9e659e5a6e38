/**
 * Join notices are coalesced per flush; members who arrive within the same flush must still be
 * told of each other, not only of the members already there.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import {
  roomRequest,
  SILENCE_MS,
  startTestServer,
  tcrpRequest,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

/** The names of the next event, which must be a Joined event. */
async function joinedNames(client: UdpClient): Promise<string[]> {
  const event = await client.receiveEvent();
  if (event.type !== "joined") throw new Error(`expected a joined event, got ${event.type}`);
  return event.names.sort();
}

/** Enters without flushing joins, so that several arrivals fall into one batch. */
async function arrive(
  test: TestServer,
  client: UdpClient,
  operation: number,
  name: string,
  kaiwa: boolean,
): Promise<void> {
  const answer = await tcrpRequest(test.tcpPort, operation, "batch", roomRequest(name, { kaiwa }), {
    announcePort: client.port,
  });
  strictEqual(answer.status, Status.Ok);
  await waitFor(
    () => test.server.state.memberByToken(answer.token!)?.address != null,
    `${name} bound`,
  );
}

/**
 * A server that announces joins only when a test flushes them: its own timer (every 100 ms) would
 * split a batch when it fires between two arrivals, as it does when the machine is slow.
 */
function startBatchServer(): Promise<TestServer> {
  return startTestServer({ logLevel: "quiet" }, { joinFlushTimer: false });
}

Deno.test("members arriving in the same join batch are each told of the others", async () => {
  const test = await startBatchServer();
  await using alice = new UdpClient();
  await using bob = new UdpClient();
  await using carol = new UdpClient();
  try {
    await arrive(test, alice, Operation.CreateRoom, "alice", true);
    await arrive(test, bob, Operation.JoinRoom, "bob", false);
    await arrive(test, carol, Operation.JoinRoom, "carol", true);
    test.server.state.flushJoins(test.clock.now());

    // Kaiwa members get the member list when bound, then the batch's news.
    strictEqual((await alice.receiveEvent()).type, "members");
    deepStrictEqual(await joinedNames(alice), ["bob", "carol"]);
    strictEqual(await bob.receiveText(), "* carol joined");
    strictEqual((await carol.receiveEvent()).type, "members");
    deepStrictEqual(await joinedNames(carol), ["bob"]);
  } finally {
    await test.server.close();
  }
});

Deno.test("a room's creator is never announced as joining", async () => {
  const test = await startBatchServer();
  await using host = new UdpClient();
  await using guest = new UdpClient();
  try {
    await arrive(test, host, Operation.CreateRoom, "host", false);
    await arrive(test, guest, Operation.JoinRoom, "guest", false);
    test.server.state.flushJoins(test.clock.now());
    strictEqual(await host.receiveText(), "* guest joined");
    strictEqual(
      await guest.receive(SILENCE_MS),
      null,
      "the guest is not told that the host joined",
    );
  } finally {
    await test.server.close();
  }
});

Deno.test("a newcomer's first message never reaches anyone before the news of its arrival", async () => {
  const test = await startBatchServer();
  await using host = new UdpClient();
  await using newcomer = new UdpClient();
  try {
    await arrive(test, host, Operation.CreateRoom, "host", false);
    test.server.state.flushJoins(test.clock.now());
    const answer = await tcrpRequest(
      test.tcpPort,
      Operation.JoinRoom,
      "batch",
      roomRequest("new"),
      {
        announcePort: newcomer.port,
      },
    );
    // No flush in between: the message itself must bring the arrival out first.
    await newcomer.send(test.udp, "batch", answer.token!, "hi, I am new");
    strictEqual(await host.receiveText(), "* new joined");
    strictEqual(await host.receiveText(), "new: hi, I am new");
  } finally {
    await test.server.close();
  }
});

Deno.test("a standard member bound after arrivals were announced is told of them then", async () => {
  const test = await startBatchServer();
  await using host = new UdpClient();
  await using late = new UdpClient();
  await using early = new UdpClient();
  try {
    await arrive(test, host, Operation.CreateRoom, "host", false);
    // "late" has its token but no address yet (it announced no port and sent nothing).
    const answer = await tcrpRequest(
      test.tcpPort,
      Operation.JoinRoom,
      "batch",
      roomRequest("late"),
    );
    strictEqual(answer.status, Status.Ok);
    await arrive(test, early, Operation.JoinRoom, "early", false);
    test.server.state.flushJoins(test.clock.now());
    strictEqual(await host.receiveText(), "* late, early joined");

    // Its first datagram binds it: it learns of the arrival it could not receive.
    await late.send(test.udp, "batch", answer.token!, "");
    strictEqual(await late.receiveText(), "* early joined");
    strictEqual(await late.receive(SILENCE_MS), null);
  } finally {
    await test.server.close();
  }
});
