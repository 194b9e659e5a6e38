/**
 * Rooms across nodes (`kaiwa serve --cluster`, docs/cluster.md): real nats-server and kaiwa
 * processes on loopback. Creating, joining and chatting across nodes with standard and kaiwa
 * clients, unique room names and usernames, the room list, and a host leaving.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { CloseReason, encodeCommand, LeaveReason, Operation, Status } from "../protocol/mod.ts";
import {
  clusterTestName,
  enterOn,
  eventually,
  freePort,
  HAVE_NATS,
  KaiwaNode,
  NatsServer,
  untilEvent,
  untilText,
} from "./cluster_fixture.ts";
import { PipeClient } from "./pipe_client.ts";
import { roomRequest, tcrpRequest, UdpClient } from "./server_helpers.ts";

const { CreateRoom, JoinRoom, ListRooms } = Operation;
const chat = (text: string) => encodeCommand({ type: "chat", text });

Deno.test({
  name: clusterTestName("cluster: two nodes on one broker act as one server"),
  ignore: !HAVE_NATS,
  async fn(t) {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url]);
    await using b = await KaiwaNode.start("b", [nats.url]);

    await t.step("a room created on A is joined on B; both chat, standard and kaiwa", async () => {
      await using ann = new UdpClient(); // standard, on A, the host
      await using bob = new UdpClient(); // kaiwa, on B
      await using cat = new UdpClient(); // standard, on B
      const annToken = await enterOn(a, ann, CreateRoom, "ラウンジ", "ann");
      const bobToken = await enterOn(b, bob, JoinRoom, "ラウンジ", "bob", { kaiwa: true });
      const members = await untilEvent(bob, (e) => e.type === "members", "member list");
      deepStrictEqual(
        members.type === "members" && members.members.map((m) => [m.name, m.host, m.you]),
        [["ann", true, false], ["bob", false, true]],
      );
      await untilText(ann, "bob");
      const catToken = await enterOn(b, cat, JoinRoom, "ラウンジ", "cat");
      const joined = await untilEvent(bob, (e) => e.type === "joined", "cat's arrival");
      deepStrictEqual(joined.type === "joined" && joined.names, ["cat"]);

      await bob.send(b.udp, "ラウンジ", bobToken, chat("こんにちは 👋"));
      strictEqual(await untilText(ann, "こんにちは"), "bob: こんにちは 👋");
      strictEqual(await untilText(cat, "こんにちは"), "bob: こんにちは 👋");
      await ann.send(a.udp, "ラウンジ", annToken, "hello from A");
      // bob's own message comes back to him first, numbered as everyone's.
      const own = await untilEvent(bob, (e) => e.type === "chat", "bob's own message");
      ok(own.type === "chat" && own.sender === "bob" && own.seq === 1, JSON.stringify(own));
      const fromAnn = await untilEvent(bob, (e) => e.type === "chat", "ann's message");
      ok(fromAnn.type === "chat" && fromAnn.sender === "ann" && fromAnn.text === "hello from A");
      strictEqual(fromAnn.seq, 2);
      strictEqual(await untilText(cat, "hello from A"), "ann: hello from A");
      await cat.send(b.udp, "ラウンジ", catToken, "cat here");
      strictEqual(await untilText(ann, "cat here"), "cat: cat here");

      // A standard member's /exit on B is a leave announced everywhere.
      await cat.send(b.udp, "ラウンジ", catToken, "/exit\n");
      const left = await untilEvent(bob, (e) => e.type === "left", "cat's leave");
      deepStrictEqual(left.type === "left" && [left.names, left.reason], [
        ["cat"],
        LeaveReason.Left,
      ]);
      await untilText(ann, "cat");

      // The host leaves: the room closes on every node, and its name is free again.
      await ann.send(a.udp, "ラウンジ", annToken, "/exit\n");
      const closed = await untilEvent(bob, (e) => e.type === "room-closed", "the room's end");
      strictEqual(closed.type === "room-closed" && closed.reason, CloseReason.HostLeft);
      const again = await eventuallyStatus(b, CreateRoom, "ラウンジ", "dan");
      strictEqual(again, Status.Ok);
    });

    await t.step(
      "a member on B that only announced its port on TCP gets the room's messages",
      async () => {
        await using ann = new UdpClient();
        await using eve = new UdpClient();
        const annToken = await enterOn(a, ann, CreateRoom, "announced", "ann");
        const answer = await tcrpRequest(b.port, JoinRoom, "announced", roomRequest("eve"), {
          announcePort: eve.port,
        });
        strictEqual(answer.status, Status.Ok);
        await untilText(ann, "eve");
        // ann hears of eve at her admission; her port reaches A later, relayed by B, and what ann
        // says before A binds it goes nowhere.
        await eventually(
          () =>
            a.lines.some((line) =>
              line.includes('"eve"') && line.includes(`bound to udp port ${eve.port}`)
            ),
          "A binding eve's announced port",
        );
        await ann.send(a.udp, "announced", annToken, "to eve");
        strictEqual(await untilText(eve, "to eve"), "ann: to eve");
      },
    );

    await t.step(
      "kaiwa join over TLS on B: a sealed session with the owner on A, both ways",
      async () => {
        await using ann = new UdpClient();
        const annToken = await enterOn(a, ann, CreateRoom, "sealed", "ann");
        // Over TLS the client requires a session: it would refuse to chat in plaintext.
        const bob = new PipeClient(b.port, [
          "sealed",
          "--name",
          "bob",
          "--fingerprint",
          b.fingerprint,
        ]);
        try {
          await untilText(ann, "bob");
          // bob speaks first: once his message is relayed, his address is bound, and what ann
          // says next is live chat to him, not history.
          await bob.send("hi ann 🔒");
          strictEqual(await untilText(ann, "hi ann"), "bob: hi ann 🔒");
          await ann.send(a.udp, "sealed", annToken, "hello bob");
          await bob.waitForLine("ann: hello bob");
          strictEqual((await bob.finish()).code, 0);
          await untilText(ann, "bob left");
        } finally {
          await bob.kill();
        }
      },
    );

    await t.step("two concurrent creates of one name on two nodes: exactly one wins", async () => {
      for (let round = 0; round < 5; round++) {
        const room = `race-${round}`;
        const answers = await Promise.all([
          tcrpRequest(a.port, CreateRoom, room, roomRequest("x")),
          tcrpRequest(b.port, CreateRoom, room, roomRequest("y")),
        ]);
        deepStrictEqual(
          answers.map((answer) => answer.status).sort(),
          [Status.Ok, Status.RoomExists],
          `round ${round}`,
        );
      }
    });

    await t.step("a username is unique in its room across nodes", async () => {
      await using ann = new UdpClient();
      await enterOn(a, ann, CreateRoom, "names", "ann");
      strictEqual(
        (await tcrpRequest(b.port, JoinRoom, "names", roomRequest("ann"))).status,
        Status.NameTaken,
      );
      const both = await Promise.all([
        tcrpRequest(a.port, JoinRoom, "names", roomRequest("bob")),
        tcrpRequest(b.port, JoinRoom, "names", roomRequest("bob")),
      ]);
      deepStrictEqual(both.map((answer) => answer.status).sort(), [Status.Ok, Status.NameTaken]);
    });

    await t.step("the room list on each node shows the rooms of both", async () => {
      await using ann = new UdpClient();
      await using bob = new UdpClient();
      await enterOn(a, ann, CreateRoom, "listed-a", "ann", { password: "pw" });
      await enterOn(b, bob, CreateRoom, "listed-b", "bob");
      // The list follows the registry as each node's watch sees it: a moment behind a create.
      for (const node of [a, b]) {
        await eventually(async () => {
          const list = (await tcrpRequest(node.port, ListRooms, "", null)).list;
          const rooms = new Map(list?.rooms.map((room) => [room.name, room]));
          return rooms.get("listed-a")?.password === true &&
            rooms.get("listed-b")?.password === false;
        }, `${node.id}: both rooms listed, listed-a with its password`);
      }
      // A name held on another node is refused there too, by the registry.
      strictEqual(
        (await tcrpRequest(a.port, CreateRoom, "listed-b", roomRequest("x"))).status,
        Status.RoomExists,
      );
      // A join of a room no node holds.
      strictEqual(
        (await tcrpRequest(a.port, JoinRoom, "nowhere", roomRequest("x"))).status,
        Status.RoomNotFound,
      );
    });

    await t.step("a password set on A is checked for a join on B", async () => {
      await using ann = new UdpClient();
      await enterOn(a, ann, CreateRoom, "secret", "ann", { password: "open sesame" });
      const wrong = await tcrpRequest(
        b.port,
        JoinRoom,
        "secret",
        roomRequest("x", { password: "no" }),
      );
      strictEqual(wrong.status, Status.WrongPassword);
      const right = await tcrpRequest(
        b.port,
        JoinRoom,
        "secret",
        roomRequest("y", { password: "open sesame" }),
      );
      strictEqual(right.status, Status.Ok);
    });
  },
});

/** The status of a create or join, retried while a just-freed name is still registered. */
async function eventuallyStatus(
  node: KaiwaNode,
  operation: number,
  room: string,
  name: string,
): Promise<number> {
  let status: number = Status.RoomExists;
  for (let attempt = 0; attempt < 50 && status === Status.RoomExists; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await tcrpRequest(node.port, operation, room, roomRequest(name))).status;
  }
  return status;
}

Deno.test("cluster: no NATS server at --cluster: one line on stderr, exit code 1", async () => {
  const dataDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-nonats-" });
  try {
    const main = new URL("../main.ts", import.meta.url).pathname;
    const nowhere = `nats://127.0.0.1:${freePort()}`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        "--allow-write",
        main,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        dataDir,
        "--cluster",
        nowhere,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    strictEqual(output.code, 1);
    const lines = new TextDecoder().decode(output.stderr).trim().split("\n");
    strictEqual(lines.length, 1, lines.join("\n"));
    ok(lines[0].includes(`cannot start: cannot join the cluster at ${nowhere}`), lines[0]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test({
  name: clusterTestName("cluster: two nodes started with one --node-id: each says so in its log"),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using first = await KaiwaNode.start("twin", [nats.url]);
    await using second = await KaiwaNode.start("twin", [nats.url]);
    const said = (node: KaiwaNode) =>
      node.lines.some((line) => line.includes("another node runs with id twin"));
    await eventually(() => said(first) && said(second), "both twins logging the clash");
  },
});
