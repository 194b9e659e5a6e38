import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { parseServeArgs } from "../cli/serve_command.ts";
import { UsageError } from "../cli/usage_error.ts";
import { Logger } from "../server/log.ts";
import { BatchSendQueue } from "../server/fast_udp/batch_queue.ts";
import {
  ENTRY_OVERHEAD_BYTES,
  FairQueue,
  type PeerAddress,
  QueueDropReport,
  SendQueue,
  type TakenDatagram,
  TURN_DATAGRAMS,
} from "../server/udp/mod.ts";
import { fastSocket, ignoreFastUdp } from "./fast_udp_fixture.ts";
import { mulberry32 } from "./prng.ts";
import { RECEIVE_TIMEOUT_MS, UdpClient } from "./server_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A big room's fan-out: many times one turn. */
const FAN_OUT = 1_000;
const PAYLOAD = 100;
/** A bound of exactly this many datagrams of PAYLOAD bytes. */
const FITTING = 10;
const BOUND = FITTING * (PAYLOAD + ENTRY_OVERHEAD_BYTES);

function address(port: number): PeerAddress {
  return { transport: "udp", hostname: "127.0.0.1", port };
}

/** A SendQueue whose sends are recorded, by payload text, in the order they happen. */
function recordingQueue(maxBytes?: number) {
  const sent: string[] = [];
  const queue = new SendQueue(
    (bytes) => {
      sent.push(decoder.decode(bytes));
      return Promise.resolve(bytes.length);
    },
    () => {},
    maxBytes,
  );
  return { sent, queue };
}

Deno.test("SendQueue: a small room's datagram does not wait for a big room's fan-out", async () => {
  const { sent, queue } = recordingQueue();
  const bigRoom = {};
  const smallRoom = {};
  const big = encoder.encode("big");
  // Encode once, send many: one buffer for the whole fan-out.
  for (let i = 0; i < FAN_OUT; i++) queue.push(big, address(1000 + i), bigRoom);
  queue.push(encoder.encode("small"), address(9), smallRoom);
  await queue.drain(RECEIVE_TIMEOUT_MS);
  strictEqual(sent.length, FAN_OUT + 1);
  const small = sent.indexOf("small");
  ok(small >= 0 && small <= TURN_DATAGRAMS, `the small room's datagram went out ${small}th`);
  await queue.close();
});

Deno.test("SendQueue: the bound is in bytes, and each drop is counted", async (t) => {
  await t.step("datagrams beyond the bound are dropped", async () => {
    const { sent, queue } = recordingQueue(BOUND);
    const bytes = new Uint8Array(PAYLOAD);
    for (let i = 0; i < 2 * FITTING; i++) queue.push(bytes, address(1000 + i));
    strictEqual(queue.pending, FITTING);
    strictEqual(queue.dropped, FITTING);
    await queue.drain(RECEIVE_TIMEOUT_MS);
    strictEqual(sent.length, FITTING);
    await queue.close();
  });
  await t.step("a room that filled the queue makes room for another room's datagram", async () => {
    const { sent, queue } = recordingQueue(BOUND);
    const big = encoder.encode("b".repeat(PAYLOAD));
    for (let i = 0; i < FITTING; i++) queue.push(big, address(1000 + i), {});
    queue.push(encoder.encode("small"), address(9), {});
    strictEqual(queue.dropped, 1, "the big room's newest");
    await queue.drain(RECEIVE_TIMEOUT_MS);
    ok(sent.includes("small"));
    strictEqual(sent.length, FITTING);
    await queue.close();
  });
});

Deno.test("FairQueue serves flows in turns and drops from the largest", async (t) => {
  const taken: TakenDatagram = { bytes: new Uint8Array(0), address: address(0), tag: 0 };
  const order = (queue: FairQueue) => {
    const tags: number[] = [];
    while (queue.take(taken)) tags.push(taken.tag);
    return tags;
  };
  await t.step("turns of TURN_DATAGRAMS, then the next flow", () => {
    const queue = new FairQueue();
    const a = {};
    const b = {};
    const bytes = new Uint8Array(1);
    for (let i = 0; i < 2 * TURN_DATAGRAMS; i++) queue.push(bytes, address(1), 1, a);
    for (let i = 0; i < 2; i++) queue.push(bytes, address(2), 2, b);
    deepStrictEqual(order(queue), [
      ...new Array(TURN_DATAGRAMS).fill(1),
      2,
      2,
      ...new Array(TURN_DATAGRAMS).fill(1),
    ]);
    strictEqual(queue.length, 0);
    strictEqual(queue.bytes, 0);
  });
  await t.step("a flow over its share loses its own new datagram, not another's", () => {
    const queue = new FairQueue(BOUND);
    const a = {};
    const b = {};
    const bytes = new Uint8Array(PAYLOAD);
    for (let i = 0; i < FITTING / 2; i++) queue.push(bytes, address(1), 1, a);
    for (let i = 0; i < FITTING / 2; i++) queue.push(bytes, address(2), 2, b);
    strictEqual(queue.push(bytes, address(1), 1, a), false);
    strictEqual(queue.dropped, 1);
    deepStrictEqual(order(queue).sort(), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  });
  await t.step("a new flow takes the newest datagram of the largest", () => {
    const queue = new FairQueue(BOUND);
    const a = {};
    const bytes = new Uint8Array(PAYLOAD);
    for (let i = 0; i < FITTING; i++) queue.push(bytes, address(1), i, a);
    ok(queue.push(bytes, address(2), -1, {}));
    strictEqual(queue.dropped, 1);
    deepStrictEqual(order(queue), [0, 1, 2, 3, 4, 5, 6, 7, 8, -1]);
    strictEqual(queue.bytes, 0);
    ok(queue.push(bytes, address(1), 1, a), "a flow that emptied queues again");
    deepStrictEqual(order(queue), [1]);
  });
  await t.step("many flows and a long backlog: the same turns as a plain model", () => {
    // Flows and datagrams well past the queue's initial slots, pushes and takes interleaved at
    // random; the model is the rule itself: a ring of flows, TURN_DATAGRAMS each per turn.
    const random = mulberry32(14);
    const queue = new FairQueue();
    const keys = Array.from({ length: 600 }, () => ({}));
    const model = new Map<object, number[]>();
    const ring: object[] = [];
    let current: object | null = null;
    let turnLeft = 0;
    const modelTake = (): number | undefined => {
      for (;;) {
        if (current === null || turnLeft === 0) {
          if (current !== null) ring.push(current);
          current = ring.shift() ?? null;
          if (current === null) return undefined;
          turnLeft = TURN_DATAGRAMS;
        }
        const waiting = model.get(current)!;
        const tag = waiting.shift()!;
        turnLeft -= 1;
        if (waiting.length === 0) {
          model.delete(current);
          current = null;
        }
        return tag;
      }
    };
    const bytes = new Uint8Array(1);
    let tag = 0;
    for (let round = 0; round < 40; round++) {
      const pushes = Math.floor(random() * 2_000);
      for (let i = 0; i < pushes; i++) {
        const key = keys[Math.floor(random() ** 3 * keys.length)];
        ok(queue.push(bytes, address(1), tag, key));
        if (!model.has(key)) {
          model.set(key, []);
          ring.push(key);
        }
        model.get(key)!.push(tag++);
      }
      const takes = Math.floor(random() * 2_500);
      for (let i = 0; i < takes; i++) {
        const expected = modelTake();
        strictEqual(queue.take(taken), expected !== undefined);
        if (expected === undefined) break;
        strictEqual(taken.tag, expected);
      }
    }
    let expected;
    while ((expected = modelTake()) !== undefined) {
      ok(queue.take(taken));
      strictEqual(taken.tag, expected);
    }
    strictEqual(queue.take(taken), false);
    strictEqual(queue.length, 0);
    strictEqual(queue.bytes, 0);
  });
  await t.step(
    "under the bound with many flows: bytes stay bounded and each flow keeps its order",
    () => {
      const random = mulberry32(41);
      const queue = new FairQueue(BOUND * 20);
      const keys = Array.from({ length: 50 }, () => ({}));
      const bytes = new Uint8Array(PAYLOAD);
      const lastTaken = new Map<number, number>();
      let tag = 0;
      let pushed = 0;
      let received = 0;
      for (let round = 0; round < 200; round++) {
        for (let i = Math.floor(random() * 100); i > 0; i--) {
          const flow = Math.floor(random() ** 4 * keys.length);
          // The tag carries its flow: flow * 1e6 + sequence.
          if (queue.push(bytes, address(1), flow * 1e6 + tag++, keys[flow])) pushed += 1;
          ok(queue.bytes <= BOUND * 20);
        }
        for (let i = Math.floor(random() * 60); i > 0 && queue.take(taken); i--) {
          received += 1;
          const flow = Math.floor(taken.tag / 1e6);
          ok((lastTaken.get(flow) ?? -1) < taken.tag, "a flow's datagrams leave in order");
          lastTaken.set(flow, taken.tag);
        }
      }
      while (queue.take(taken)) received += 1;
      ok(queue.dropped > 0, "the bound was reached");
      strictEqual(received + queue.dropped - (tag - pushed), pushed);
      strictEqual(queue.bytes, 0);
    },
  );
});

Deno.test({
  name: "BatchSendQueue: a small room's datagram goes out within the big room's fan-out",
  ignore: ignoreFastUdp,
  async fn() {
    using sending = fastSocket();
    await using receiver = new UdpClient();
    const outbox = new BatchSendQueue(sending.libc, sending.fd!);
    const to = address(receiver.port);
    const big = encoder.encode("big");
    const bigRoom = {};
    const count = 100;
    for (let i = 0; i < count; i++) outbox.push(big, to, bigRoom);
    outbox.push(encoder.encode("small"), to, {});
    await outbox.drain(RECEIVE_TIMEOUT_MS);
    const received: string[] = [];
    for (let i = 0; i <= count; i++) received.push(await receiver.receiveText());
    const small = received.indexOf("small");
    ok(small >= 0 && small <= TURN_DATAGRAMS, `the small room's datagram arrived ${small}th`);
    await outbox.close();
  },
});

Deno.test({
  name: "BatchSendQueue: the bound is in bytes, and each drop is counted",
  ignore: ignoreFastUdp,
  async fn() {
    using sending = fastSocket();
    await using receiver = new UdpClient();
    const outbox = new BatchSendQueue(sending.libc, sending.fd!, () => {}, null, BOUND);
    const bytes = new Uint8Array(PAYLOAD);
    for (let i = 0; i < 2 * FITTING; i++) outbox.push(bytes, address(receiver.port));
    strictEqual(outbox.dropped, FITTING);
    await outbox.drain(RECEIVE_TIMEOUT_MS);
    for (let i = 0; i < FITTING; i++) ok(await receiver.receive() !== null);
    strictEqual(await receiver.receive(100), null);
    await outbox.close();
  },
});

Deno.test("send-queue drops reach the log, once per report, and the flag sets the bound", () => {
  const lines: string[] = [];
  const source = { dropped: 0 };
  const report = new QueueDropReport(
    new Logger("normal", (line) => lines.push(line)),
    "udp",
    source,
  );
  report.report();
  strictEqual(lines.length, 0, "nothing dropped, nothing said");
  source.dropped = 7;
  report.report();
  report.report();
  strictEqual(lines.length, 1);
  ok(lines[0].includes("dropped 7 datagrams"), lines[0]);
  strictEqual(parseServeArgs(["--send-queue-bytes", "1048576"]).sendQueueBytes, 1_048_576);
  throws(() => parseServeArgs(["--send-queue-bytes", "100"]), UsageError);
});
