/**
 * Delivery across nodes (docs/cluster.md): one sequencer per room, so members on three nodes see
 * the room's messages in one order; history, message ids and NACKs answered by the owner for
 * members on other nodes. Real nats-server and kaiwa processes on loopback.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { encodeCommand, type KaiwaEvent, Operation } from "../protocol/mod.ts";
import {
  clusterTestName,
  enterOn,
  HAVE_NATS,
  KaiwaNode,
  NatsServer,
  untilEvent,
} from "./cluster_fixture.ts";
import { UdpClient } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
/** Flood control off: the clients all come from 127.0.0.1 and send as fast as they can. */
const NO_FLOOD = ["--flood-rate", "0", "--ip-flood-rate", "0"];
/** Messages each member sends in the ordering test. */
const EACH = 30;

type Chat = Extract<KaiwaEvent, { type: "chat" }>;
const isChat = (event: KaiwaEvent): event is Chat => event.type === "chat";

Deno.test({
  name: clusterTestName("cluster: three nodes, one room: order, history, ids and NACKs"),
  ignore: !HAVE_NATS,
  async fn(t) {
    await using nats = await NatsServer.start();
    await using a = await KaiwaNode.start("a", [nats.url], NO_FLOOD);
    await using b = await KaiwaNode.start("b", [nats.url], NO_FLOOD);
    await using c = await KaiwaNode.start("c", [nats.url], NO_FLOOD);
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    await using cat = new UdpClient();
    const members = [
      { node: a, client: ann, name: "ann", token: "" },
      { node: b, client: bob, name: "bob", token: "" },
      { node: c, client: cat, name: "cat", token: "" },
    ];
    for (const [i, member] of members.entries()) {
      const operation = i === 0 ? CreateRoom : JoinRoom;
      member.token = await enterOn(member.node, member.client, operation, "one", member.name, {
        kaiwa: true,
      });
      await untilEvent(member.client, (e) => e.type === "members", `${member.name}'s list`);
    }

    await t.step(
      "interleaved messages from three nodes arrive in one order everywhere",
      async () => {
        // Rounds of one message from each member, the three sent at once: they cross the broker
        // (two of them) while the owner's own member's arrives directly. Each round is read by
        // everyone before the next is sent: else, on a loaded machine, the relayed ones may lag
        // behind all of the owner's member's, and the order would show no interleaving.
        const seen: string[][] = members.map(() => []);
        for (let i = 0; i < EACH; i++) {
          await Promise.all(
            members.map(({ node, client, name, token }) =>
              client.send(
                node.udp,
                "one",
                token,
                encodeCommand({ type: "chat", text: `${name} ${i}` }),
              )
            ),
          );
          await Promise.all(members.map(async ({ client, name }, k) => {
            const chats = seen[k];
            while (chats.length < 3 * (i + 1)) {
              const chat = await untilEvent(
                client,
                isChat,
                `${name}'s message ${chats.length + 1}`,
              );
              if (isChat(chat)) chats.push(`${chat.seq} ${chat.sender}: ${chat.text}`);
            }
          }));
        }
        deepStrictEqual(seen[1], seen[0]);
        deepStrictEqual(seen[2], seen[0]);
        deepStrictEqual(
          seen[0].map((line) => Number(line.split(" ")[0])),
          [
            ...Array(3 * EACH).keys(),
          ].map((i) => i + 1),
        );
        // Each sender's own messages keep the order it sent them in.
        for (const { name } of members) {
          const own = seen[0].filter((line) => line.includes(` ${name}: `));
          deepStrictEqual(
            own.map((line) => line.split(": ")[1]),
            [...Array(EACH).keys()].map((i) => `${name} ${i}`),
          );
        }
        // Mixed, not one sender's batch after another's (else the test would show nothing).
        ok(
          new Set(seen[0].slice(0, EACH).map((line) => line.split(" ")[1])).size > 1,
          seen[0].join("\n"),
        );
      },
    );

    await t.step("a burst from one member on B crosses intact and in order", async () => {
      // Sent without a pause: B receives several in one batch from one reused buffer.
      const { node, client, token } = members[1];
      const texts = Array.from({ length: 100 }, (_, i) => `burst ${i} ${"x".repeat(i % 37)}`);
      await Promise.all(
        texts.map((text) =>
          client.send(node.udp, "one", token, encodeCommand({ type: "chat", text }))
        ),
      );
      const got: string[] = [];
      while (got.length < texts.length) {
        const chat = await untilEvent(ann, isChat, `burst message ${got.length}`);
        if (isChat(chat)) got.push(chat.text);
      }
      deepStrictEqual(got, texts);
      // bob's own echoes and cat's copies, read so that later steps start clean.
      for (let i = 0; i < texts.length; i++) await untilEvent(client, isChat, "bob's echo");
      for (let i = 0; i < texts.length; i++) await untilEvent(cat, isChat, "the burst at cat");
    });

    await t.step(
      "a message id sent again through another node is confirmed, not relayed twice",
      async () => {
        const { node, client, token } = members[1];
        const datagram = encodeCommand({ type: "chat", text: "once", id: 1_000 });
        await client.send(node.udp, "one", token, datagram);
        const first = await untilEvent(client, isChat, "bob's echo");
        await client.send(node.udp, "one", token, datagram);
        const again = await untilEvent(client, isChat, "bob's confirmation");
        ok(isChat(first) && isChat(again));
        strictEqual(again.seq, first.seq);
        const atAnn = await untilEvent(ann, isChat, "the message at ann");
        ok(isChat(atAnn) && atAnn.seq === first.seq);
        // The next message ann gets is the next one, not the duplicate.
        await ann.send(
          a.udp,
          "one",
          members[0].token,
          encodeCommand({ type: "chat", text: "next" }),
        );
        const next = await untilEvent(ann, isChat, "ann's next");
        ok(
          isChat(next) && next.text === "next" && next.seq === first.seq + 1,
          JSON.stringify(next),
        );
      },
    );

    await t.step("a NACK from a member on another node is answered by the owner", async () => {
      const { node, client, token } = members[2];
      // Read what cat has not read yet, up to the last message sent ("next", from A through the
      // broker, which may still be on its way): a resend must be the first thing cat gets next.
      await untilEvent(client, (e) => isChat(e) && e.text === "next", "ann's next at cat");
      await client.send(node.udp, "one", token, encodeCommand({ type: "nack", from: 2, to: 4 }));
      const resent: number[] = [];
      while (resent.length < 3) {
        const chat = await untilEvent(client, isChat, "a resent message");
        if (isChat(chat)) resent.push(chat.seq);
      }
      deepStrictEqual(resent, [2, 3, 4]);
    });

    await t.step("a member on another node is told the room's latest seq by a pong", async () => {
      // The ping crosses to the owner, which gives the room its seqs: the pong's latest is the
      // owner's, so a lost last message is noticed through any node (protocol §3.2).
      await ann.send(a.udp, "one", members[0].token, encodeCommand({ type: "chat", text: "last" }));
      const last = await untilEvent(cat, (e) => isChat(e) && e.text === "last", "last at cat");
      const { node, client, token } = members[2];
      await client.send(node.udp, "one", token, encodeCommand({ type: "ping", latest: true }));
      const pong = await untilEvent(client, (e) => e.type === "pong", "cat's pong");
      ok(isChat(last));
      deepStrictEqual(pong.type === "pong" && pong.latest, last.seq);
    });

    await t.step("a kaiwa member joining on another node gets the room's history", async () => {
      await using dan = new UdpClient();
      await enterOn(c, dan, JoinRoom, "one", "dan", { kaiwa: true });
      await untilEvent(dan, (e) => e.type === "members", "dan's list");
      const history = await untilEvent(dan, (e) => isChat(e) && e.history === true, "history");
      ok(isChat(history) && history.seq > 0);
    });
  },
});
