/**
 * Nodes failing (docs/cluster.md): a member's node killed, a room owner's node killed, a node cut
 * off from the broker and back. Real nats-server and kaiwa processes on loopback, with short
 * heartbeats; the waits are generous and only bound a failure.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { CloseReason, encodeCommand, LeaveReason, Operation, Status } from "../protocol/mod.ts";
import {
  clusterTestName,
  CuttableProxy,
  enterOn,
  eventually,
  HAVE_NATS,
  KaiwaNode,
  metricValue,
  NatsServer,
  untilEvent,
  untilText,
} from "./cluster_fixture.ts";
import { PipeClient } from "./pipe_client.ts";
import { roomRequest, tcrpRequest, UdpClient } from "./server_helpers.ts";

const { CreateRoom, JoinRoom, ListRooms } = Operation;

Deno.test({
  name: clusterTestName(
    "cluster: a member's node killed: the others are told it left (unreachable)",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url]);
    await using b = await KaiwaNode.start("b", [nats.url]);
    await using ann = new UdpClient(); // kaiwa host on A
    await using cat = new UdpClient(); // standard member on A
    await using bob = new UdpClient(); // on B
    await using dan = new UdpClient(); // on B
    const annToken = await enterOn(a, ann, CreateRoom, "r", "ann", { kaiwa: true });
    await enterOn(a, cat, JoinRoom, "r", "cat");
    await enterOn(b, bob, JoinRoom, "r", "bob", { kaiwa: true });
    await enterOn(b, dan, JoinRoom, "r", "dan");
    // Until every arrival was announced (a member leaving unannounced leaves unannounced).
    const arrived = new Set<string>();
    while (arrived.size < 3) {
      const joined = await untilEvent(ann, (e) => e.type === "joined", "arrivals");
      if (joined.type === "joined") joined.names.forEach((name) => arrived.add(name));
    }

    await b.kill();
    const gone = new Set<string>();
    while (gone.size < 2) {
      const left = await untilEvent(ann, (e) => e.type === "left", "bob and dan leaving");
      ok(left.type === "left");
      strictEqual(left.reason, LeaveReason.Unreachable);
      left.names.forEach((name) => gone.add(name));
    }
    deepStrictEqual([...gone].sort(), ["bob", "dan"]);
    await untilText(cat, "bob became unreachable");
    // The room goes on on A.
    await ann.send(a.udp, "r", annToken, encodeCommand({ type: "chat", text: "still here" }));
    strictEqual(await untilText(cat, "still here"), "ann: still here");
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a room's owner node killed: its members elsewhere are told, the name is free",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url]);
    await using b = await KaiwaNode.start("b", [nats.url]);
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    await using cat = new UdpClient();
    await enterOn(a, ann, CreateRoom, "owned", "ann");
    await enterOn(b, bob, JoinRoom, "owned", "bob", { kaiwa: true });
    await enterOn(b, cat, JoinRoom, "owned", "cat");
    await untilEvent(bob, (e) => e.type === "members", "bob's member list");
    // And a real client over TLS, whose datagrams are sealed under a session the owner opened.
    const dan = new PipeClient(b.port, ["owned", "--name", "dan", "--fingerprint", b.fingerprint]);
    try {
      await untilEvent(bob, (e) => e.type === "joined" && e.names.includes("dan"), "dan's arrival");
      // B can tell dan only at an address a datagram of his proved, and his arrival is told at
      // his admission, before he sent any: he speaks, and once bob has it, B noted his address.
      await dan.send("here");
      await untilEvent(bob, (e) => e.type === "chat" && e.sender === "dan", "dan's message");

      await a.kill();
      const closed = await untilEvent(bob, (e) => e.type === "room-closed", "the room closing");
      strictEqual(closed.type === "room-closed" && closed.reason, CloseReason.HostUnreachable);
      await untilText(cat, "the host became unreachable");
      // B seals dan's notice itself, with the session's key.
      const lines: string[] = [];
      let line: string | null;
      while ((line = await dan.nextLine()) !== null && !line.includes("unreachable")) {
        lines.push(line);
      }
      if (line === null) throw new Error(`dan was not told: ${JSON.stringify(await dan.finish())}`);
      await dan.finish();
    } finally {
      await dan.kill();
    }
    // The registry forgets the dead node's rooms: the name can be taken again.
    await eventually(async () => {
      const list = (await tcrpRequest(b.port, ListRooms, "", null)).list;
      return list !== null && !list.rooms.some((room) => room.name === "owned");
    }, "the room gone from the list");
    strictEqual(
      (await tcrpRequest(b.port, CreateRoom, "owned", roomRequest("dan"))).status,
      Status.Ok,
    );
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a node cut off from the broker is declared dead, fences itself, and comes back",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using proxy = new CuttableProxy(nats.port);
    await using a = await KaiwaNode.start("a", [nats.url]);
    await using b = await KaiwaNode.start("b", [proxy.url], ["--metrics-port", "0"]);
    await using ann = new UdpClient(); // host of "on-a", on A
    await using bob = new UdpClient(); // kaiwa member of "on-a", on B
    await using eve = new UdpClient(); // kaiwa host of "on-b", on B
    await using dan = new UdpClient(); // kaiwa member of "on-b", on A
    await enterOn(a, ann, CreateRoom, "on-a", "ann", { kaiwa: true });
    await enterOn(b, bob, JoinRoom, "on-a", "bob", { kaiwa: true });
    await enterOn(b, eve, CreateRoom, "on-b", "eve", { kaiwa: true });
    await enterOn(a, dan, JoinRoom, "on-b", "dan", { kaiwa: true });
    await untilEvent(ann, (e) => e.type === "joined", "bob's arrival");
    await untilEvent(eve, (e) => e.type === "joined", "dan's arrival");
    // Each member node tells its members their room closed only at an address a datagram of theirs
    // proved; the owner's member list comes once their keep-alive was relayed, so noted.
    await untilEvent(bob, (e) => e.type === "members", "bob's member list");
    await untilEvent(dan, (e) => e.type === "members", "dan's member list");
    // What an operator (and a load balancer) sees of B: connected, two nodes, nobody dead.
    deepStrictEqual(await b.httpGet("/healthz"), { status: 200, body: "ok\n" });
    await eventually(
      async () => metricValue((await b.httpGet("/metrics")).body, "kaiwa_cluster_nodes_live") === 2,
      "B seeing both nodes",
    );
    const before = (await b.httpGet("/metrics")).body;
    strictEqual(metricValue(before, "kaiwa_cluster_broker_connected"), 1);
    strictEqual(metricValue(before, "kaiwa_cluster_nodes_declared_dead_total"), 0);

    proxy.cut();
    // A declares B dead: B's member leaves A's room, and A's member of B's room is told it closed.
    const left = await untilEvent(ann, (e) => e.type === "left", "bob leaving");
    deepStrictEqual(left.type === "left" && [left.names, left.reason], [
      ["bob"],
      LeaveReason.Unreachable,
    ]);
    const closedForDan = await untilEvent(dan, (e) => e.type === "room-closed", "on-b closing");
    strictEqual(
      closedForDan.type === "room-closed" && closedForDan.reason,
      CloseReason.HostUnreachable,
    );
    // B, alone, fences itself the same way round.
    const closedForBob = await untilEvent(bob, (e) => e.type === "room-closed", "on-a closing");
    strictEqual(
      closedForBob.type === "room-closed" && closedForBob.reason,
      CloseReason.HostUnreachable,
    );
    const leftB = await untilEvent(eve, (e) => e.type === "left", "dan leaving");
    deepStrictEqual(leftB.type === "left" && [leftB.names, leftB.reason], [
      ["dan"],
      LeaveReason.Unreachable,
    ]);
    // Cut off, then fenced (past the dead-after time), B tells the load balancer to send it nobody.
    let health = await b.httpGet("/healthz");
    strictEqual(health.status, 503);
    await eventually(async () => {
      health = await b.httpGet("/healthz");
      return /^cluster: cut off from the broker for \d+ s; fenced/.test(health.body);
    }, "B's /healthz saying it is fenced");
    strictEqual(health.status, 503);
    const cut = (await b.httpGet("/metrics")).body;
    strictEqual(metricValue(cut, "kaiwa_cluster_broker_connected"), 0);
    strictEqual(metricValue(cut, "kaiwa_cluster_nodes_live"), 1);
    strictEqual(metricValue(cut, "kaiwa_cluster_nodes_declared_dead_total"), 1);

    proxy.restore();
    // B claims its room again once it is back: a member on A can join it.
    await using fay = new UdpClient();
    let token: string | null = null;
    await eventually(async () => {
      const answer = await tcrpRequest(
        a.port,
        JoinRoom,
        "on-b",
        roomRequest("fay", { kaiwa: true }),
      );
      token = answer.token;
      return answer.status === Status.Ok;
    }, "a join of on-b from A");
    await fay.send(a.udp, "on-b", token!, new Uint8Array(0));
    await untilEvent(fay, (e) => e.type === "members", "fay's member list");
    const joined = await untilEvent(eve, (e) => e.type === "joined", "fay's arrival");
    deepStrictEqual(joined.type === "joined" && joined.names, ["fay"]);
    // A freed B's name when it declared B dead; B claimed it again once back. B logs the claim
    // when the registry's write answers, which A may see first: the line is polled for.
    await eventually(
      () => b.lines.some((line) => line.includes('room "on-b" claimed again')),
      "B's log of its claim",
    );
    deepStrictEqual(await b.httpGet("/healthz"), { status: 200, body: "ok\n" });
    strictEqual(
      metricValue((await b.httpGet("/metrics")).body, "kaiwa_cluster_broker_connected"),
      1,
    );
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a node stopped with SIGTERM: its members everywhere told, its names free at once",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url]);
    await using b = await KaiwaNode.start("b", [nats.url]);
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    await enterOn(a, ann, CreateRoom, "stopping", "ann", { kaiwa: true });
    await enterOn(b, bob, JoinRoom, "stopping", "bob", { kaiwa: true });
    await untilEvent(ann, (e) => e.type === "joined", "bob's arrival");
    // A can say goodbye to bob only once it bound his address (his keep-alive, relayed by B):
    // his member list comes then. His arrival is told at his admission, before.
    await untilEvent(bob, (e) => e.type === "members", "bob's member list");

    strictEqual(await a.kill("SIGTERM"), 0, a.lines.join("\n"));
    // The owner's goodbye reaches its member on B through B.
    await untilEvent(bob, (e) => e.type === "shutdown", "the shutdown notice");
    await untilEvent(ann, (e) => e.type === "shutdown", "the host's own notice");
    // Its registry entries went with it: the name is free without waiting for the dead-after time.
    strictEqual(
      (await tcrpRequest(b.port, CreateRoom, "stopping", roomRequest("cat"))).status,
      Status.Ok,
    );
    // A deletes its registry entries itself, so the create above can succeed before B handles
    // A's goodbye and logs it: the line is polled for.
    await eventually(
      () => b.lines.some((line) => line.includes("node a stopped")),
      "B's log of A's stop",
    );
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a node stalled past the dead-after time (SIGSTOP) ends its side too once it runs again",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url]);
    // B waits far longer before it declares anyone dead: only A's fencing notice can tell it.
    await using b = await KaiwaNode.start("b", [nats.url], ["--cluster-dead-after", "30"]);
    await using ann = new UdpClient(); // kaiwa host on A
    await using bob = new UdpClient(); // kaiwa member on B
    const annToken = await enterOn(a, ann, CreateRoom, "stall", "ann", { kaiwa: true });
    await enterOn(b, bob, JoinRoom, "stall", "bob", { kaiwa: true });
    await untilEvent(ann, (e) => e.type === "joined", "bob's arrival");
    // B tells bob only at an address his keep-alive proved; stopped before it read that, B could
    // take A's fencing notice first. His member list comes once B relayed the keep-alive.
    await untilEvent(bob, (e) => e.type === "members", "bob's member list");

    b.signal("SIGSTOP");
    try {
      const left = await untilEvent(ann, (e) => e.type === "left", "bob leaving");
      deepStrictEqual(left.type === "left" && [left.names, left.reason], [
        ["bob"],
        LeaveReason.Unreachable,
      ]);
    } finally {
      b.signal("SIGCONT");
    }
    // B runs again, its connection still up, and A's fencing notice waiting: bob is told his room
    // is gone, not left talking to nobody.
    const closed = await untilEvent(bob, (e) => e.type === "room-closed", "the room's end for bob");
    strictEqual(closed.type === "room-closed" && closed.reason, CloseReason.HostUnreachable);
    // The room goes on on A, without bob.
    await ann.send(a.udp, "stall", annToken, encodeCommand({ type: "chat", text: "still here" }));
    const echo = await untilEvent(ann, (e) => e.type === "chat", "ann's echo");
    strictEqual(echo.type === "chat" && echo.text, "still here");
    ok(!b.lines.some((line) => line.includes("node a declared dead")), b.lines.join("\n"));
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a join its owner admits after the member node gave up is withdrawn: no ghost holds the name",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    // Nobody is declared dead during the stall; a ghost would hold its name for two minutes.
    await using a = await KaiwaNode.start("a", [nats.url], [
      "--cluster-dead-after",
      "30",
      "--bind-timeout",
      "120",
    ]);
    // B's client waits longer than B waits for the owner: it reads B's ServerError.
    await using b = await KaiwaNode.start("b", [nats.url], [
      "--cluster-dead-after",
      "30",
      "--request-timeout",
      "10",
    ]);
    await using ann = new UdpClient();
    await enterOn(a, ann, CreateRoom, "late", "ann", { kaiwa: true });
    await eventually(async () => {
      const list = (await tcrpRequest(b.port, ListRooms, "", null)).list;
      return list?.rooms.some((room) => room.name === "late") === true;
    }, "the room listed on B");

    a.signal("SIGSTOP");
    try {
      // The owner hears the join only once it runs again, after B gave up on it.
      const late = await tcrpRequest(b.port, JoinRoom, "late", roomRequest("bob"));
      strictEqual(late.status, Status.ServerError);
    } finally {
      a.signal("SIGCONT");
    }
    await eventually(
      () => [...a.lines, ...b.lines].some((line) => line.includes("stopped waiting; withdrawn")),
      "the late admission withdrawn",
    );
    strictEqual(
      (await tcrpRequest(b.port, JoinRoom, "late", roomRequest("bob"))).status,
      Status.Ok,
      a.lines.join("\n"),
    );
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a node stopped while the broker is gone still stops, with exit code 0",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url]);
    await using ann = new UdpClient();
    await enterOn(a, ann, CreateRoom, "orphan", "ann", { kaiwa: true });
    await nats.kill();
    await eventually(() => a.lines.some((line) => line.includes("cluster: lost nats")), "A lost");
    strictEqual(await a.kill("SIGTERM"), 0, a.lines.join("\n"));
    await untilEvent(ann, (e) => e.type === "shutdown", "the shutdown notice");
  },
});

Deno.test({
  name: clusterTestName(
    "cluster: a room whose node died unseen (every node killed) is freed by the nodes that follow",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    const names = async (node: KaiwaNode) =>
      (await tcrpRequest(node.port, ListRooms, "", null)).list?.rooms.map((room) => room.name);
    {
      await using a = await KaiwaNode.start("a", [nats.url]);
      await using ann = new UdpClient();
      await enterOn(a, ann, CreateRoom, "orphan", "ann", { kaiwa: true });
      // No other node hears it die: its registry entry outlives it, with nobody to delete it.
      await a.kill("SIGKILL");
    }
    // A node of a later start (a random id, as by default) finds the entry of a run it never heard.
    // It frees the entry after its dead-after time: long enough here for the test to see the
    // entry listed first, even on a loaded machine (the default 1.2 s is not).
    await using b = await KaiwaNode.start("b", [nats.url], [
      "--join-rate",
      "0",
      "--cluster-dead-after",
      "5",
    ]);
    // B lists what its registry watch has replayed, which may still be under way at its start.
    let listed: string[] | undefined;
    await eventually(async () => (listed = await names(b))?.length !== 0, "B's list");
    deepStrictEqual(listed, ["orphan"]);
    await eventually(async () => (await names(b))?.length === 0, "the orphaned entry freed");
    strictEqual(
      (await tcrpRequest(b.port, CreateRoom, "orphan", roomRequest("bob"))).status,
      Status.Ok,
    );
    ok(b.lines.some((line) => line.includes(`"orphan"`)), b.lines.join("\n"));
  },
});
