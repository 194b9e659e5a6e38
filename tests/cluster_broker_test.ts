/**
 * The broker failing (docs/cluster.md): in a NATS cluster of three servers, the one a kaiwa node
 * is connected to is killed. The node moves to another server; chat goes on and rooms are still
 * created; meanwhile a create may answer ServerError, never a wrong answer.
 */

import { ok, strictEqual } from "node:assert/strict";
import { decodeEvent, encodeCommand, Operation, Status } from "../protocol/mod.ts";
import {
  clusterTestName,
  enterOn,
  eventually,
  HAVE_NATS,
  KaiwaNode,
  NatsServer,
  startNatsCluster,
  untilEvent,
} from "./cluster_fixture.ts";
import { roomRequest, tcrpRequest, UdpClient } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
/** A NATS cluster elects its JetStream leaders before the first node can open the registry. */
const START_WAIT_MS = 40_000;
/** Longer than a move to another server and a KV leader election: nobody is declared dead. */
const PATIENT = ["--cluster-heartbeat", "0.5", "--cluster-dead-after", "10"];

Deno.test({
  name: clusterTestName(
    "cluster: a NATS server killed: nodes move to another one, chat and creates go on",
  ),
  ignore: !HAVE_NATS,
  async fn() {
    const servers = await startNatsCluster();
    try {
      const urls = servers.map((server) => server.url);
      await using a = await KaiwaNode.start("a", urls, PATIENT, START_WAIT_MS);
      await using b = await KaiwaNode.start("b", [...urls].reverse(), PATIENT, START_WAIT_MS);
      await using ann = new UdpClient();
      await using bob = new UdpClient();
      const annToken = await enterOn(a, ann, CreateRoom, "survivors", "ann", { kaiwa: true });
      const bobToken = await enterOn(b, bob, JoinRoom, "survivors", "bob", { kaiwa: true });
      await untilEvent(bob, (e) => e.type === "members", "bob's member list");

      const victim = servers.find((server) => server.port === a.natsPort);
      ok(victim !== undefined, `A's server among ${servers.map((s) => s.port)}: ${a.lines}`);
      await victim.kill();

      // The ones sent while A moves may be lost, as UDP datagrams are (kaiwa clients ask again
      // for what they miss).
      await chatGetsThrough("survivors", [
        { from: bob, node: b, token: bobToken, to: ann, sender: "bob" },
        { from: ann, node: a, token: annToken, to: bob, sender: "ann" },
      ], "after the failover");
      // A logs its move when its NATS client reports the reconnect, which may come after the
      // first relayed message, and its stderr is read asynchronously: poll for the line.
      await eventually(() => a.natsPort !== victim.port, "A's log of its move to another server");

      // Creates: ServerError while the registry's leader is elected again, then Ok.
      await createsUntilOk(b, "after-", "after the failover");
      // And the room made before it is still held and joined across nodes.
      await eventually(async () => {
        const answer = await tcrpRequest(b.port, JoinRoom, "survivors", roomRequest("cat"));
        return answer.status === Status.Ok;
      }, "a join after the failover");
    } finally {
      for (const server of servers) await server[Symbol.asyncDispose]();
    }
  },
});

/** One direction of a chat: `from`, through its `node`, to `to`, who sees it from `sender`. */
interface ChatPath {
  readonly from: UdpClient;
  readonly node: KaiwaNode;
  readonly token: string;
  readonly to: UdpClient;
  readonly sender: string;
}

/**
 * Sends chat along each path in turn until one message gets through (at most 100 tries, each
 * waiting 200 ms for it): what is sent while the broker recovers may be lost.
 */
async function chatGetsThrough(room: string, paths: ChatPath[], when: string): Promise<void> {
  for (const { from, node, token, to, sender } of paths) {
    let through = false;
    for (let i = 0; i < 100 && !through; i++) {
      await from.send(node.udp, room, token, encodeCommand({ type: "chat", text: `m${i}` }));
      const event = await to.receive(200);
      through = event !== null && chatSender(event) === sender;
    }
    ok(through, `a message from ${sender} ${when}`);
  }
}

/**
 * Creates rooms named `prefix` + 0, 1, … on `node` until one is Ok (at most 60, 250 ms apart):
 * ServerError while the registry's leader is elected again, never another answer (each name is
 * new).
 */
async function createsUntilOk(node: KaiwaNode, prefix: string, when: string): Promise<void> {
  let created = false;
  for (let i = 0; i < 60 && !created; i++) {
    const answer = await tcrpRequest(node.port, CreateRoom, `${prefix}${i}`, roomRequest("x"));
    ok(
      answer.status === Status.Ok || answer.status === Status.ServerError,
      `status ${answer.status}`,
    );
    created = answer.status === Status.Ok;
    if (!created) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  ok(created, `a room created ${when}`);
}

/** The sender of a chat event, or null for another event. */
function chatSender(bytes: Uint8Array): string | null {
  const event = decodeEvent(bytes);
  return event.type === "chat" ? event.sender : null;
}

Deno.test({
  name: clusterTestName("cluster: the broker restarted: nodes reconnect, chat and creates go on"),
  ignore: !HAVE_NATS,
  async fn() {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url], PATIENT);
    await using b = await KaiwaNode.start("b", [nats.url], PATIENT);
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    const annToken = await enterOn(a, ann, CreateRoom, "restarted", "ann", { kaiwa: true });
    const bobToken = await enterOn(b, bob, JoinRoom, "restarted", "bob", { kaiwa: true });
    await untilEvent(bob, (e) => e.type === "members", "bob's member list");

    await nats.restart();
    await chatGetsThrough("restarted", [
      { from: bob, node: b, token: bobToken, to: ann, sender: "bob" },
      { from: ann, node: a, token: annToken, to: bob, sender: "ann" },
    ], "after the restart");
    // The reconnect is logged once the NATS client reports it, possibly after the first relayed
    // message, and stderr is read asynchronously: each node's line is polled for.
    for (const node of [a, b]) {
      await eventually(
        () => node.lines.some((line) => line.includes("cluster: reconnected to nats")),
        `${node.id}'s log of its reconnect`,
      );
    }
    // The registry came back with the broker's store: the room is still held, and new ones made.
    await createsUntilOk(b, "again-", "after the restart");
    strictEqual(
      (await tcrpRequest(b.port, CreateRoom, "restarted", roomRequest("y"))).status,
      Status.RoomExists,
    );
  },
});
