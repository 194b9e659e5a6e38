import fc from "fast-check";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  type ChatEvent,
  DeliveryOrder,
  type DeliveryOrderConfig,
  type OrderedEvent,
} from "../client/delivery_order.ts";

const CONFIG: DeliveryOrderConfig = {
  windowMs: 300,
  nackRetryMs: 1_000,
  maxNackAttempts: 3,
  maxHeld: 100,
  maxNacksPerSecond: 3,
};

function chat(seq: number, history = false): ChatEvent {
  return history
    ? { type: "chat", time: seq, seq, sender: "ann", text: `m${seq}`, history: true }
    : { type: "chat", time: seq, seq, sender: "ann", text: `m${seq}` };
}

/** An order with its output as short strings: "5" for seq 5, "h5" for history, "gap 3-4". */
function setup(config = CONFIG): { order: DeliveryOrder; shown: string[] } {
  const shown: string[] = [];
  const order = new DeliveryOrder((event: OrderedEvent) => {
    if (event.type === "gap") shown.push(`gap ${event.from}-${event.to}`);
    else if (event.type === "chat") shown.push(`${event.history ? "h" : ""}${event.seq}`);
    else shown.push(event.type);
  }, config);
  return { order, shown };
}

/** Starts the order at `seq` (its window over at time 300). */
function started(seq: number): { order: DeliveryOrder; shown: string[] } {
  const out = setup();
  out.order.receive(chat(seq), 0);
  out.order.poll(300);
  return out;
}

Deno.test("delivery order: the first events are held one window, the smallest seq is the start", {
  permissions: "none",
}, () => {
  const { order, shown } = setup();
  order.receive(chat(12), 0);
  order.receive(chat(11), 10);
  order.receive(chat(10), 20);
  assertEquals(order.poll(299), []);
  assertEquals(shown, []);
  order.poll(300);
  assertEquals(shown, ["10", "11", "12"]);
});

Deno.test("delivery order: in order is shown at once, a duplicate seq is dropped silently", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  assertEquals(order.receive(chat(2), 400), "new");
  assertEquals(order.receive(chat(2), 401), "duplicate");
  assertEquals(order.receive(chat(1), 402), "duplicate");
  assertEquals(shown, ["1", "2"]);
});

Deno.test("delivery order: a hole that closes within the window needs no Nack", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(3), 400);
  assertEquals(shown, ["1"]);
  assertEquals(order.poll(500), []);
  order.receive(chat(2), 600);
  assertEquals(shown, ["1", "2", "3"]);
  assertEquals(order.poll(2_000), []);
  assertEquals(order.waiting, 0);
});

Deno.test("delivery order: a hole past the window is asked for, and the answer fills it", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(4), 400);
  assertEquals(order.poll(699), []);
  assertEquals(order.poll(700), [{ from: 2, to: 3 }]);
  // Not again before the retry delay.
  assertEquals(order.poll(1_000), []);
  assertEquals(order.poll(1_700), [{ from: 2, to: 3 }]);
  order.receive(chat(3), 1_800);
  order.receive(chat(2), 1_801);
  assertEquals(shown, ["1", "2", "3", "4"]);
  assertEquals(order.poll(5_000), []);
});

Deno.test("delivery order: several holes are asked for together, ranges of at most 64", {
  permissions: "none",
}, () => {
  const { order } = started(1);
  order.receive(chat(5), 400);
  order.receive(chat(90), 400);
  const ranges = order.poll(700);
  // One Nack spans holes and the received 5 between them (its resend is a dropped duplicate).
  assertEquals(ranges, [{ from: 2, to: 65 }, { from: 66, to: 89 }]);
});

Deno.test("delivery order: Nacks stay within their rate; the rest are asked for later", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  for (let seq = 3; seq <= 69; seq += 2) order.receive(chat(seq), 400);
  shown.length = 0;
  // 2..68, spanning 67 seqs: two Nacks.
  const ranges = order.poll(700);
  assertEquals(ranges.length, 2);
  assertEquals(order.poll(800), []);
  order.receive(chat(90), 900);
  // 70..89 are due at 1 200, but 2 Nacks went in the last second: one more now, then later.
  assertEquals(order.poll(1_200).length, 1);
  assertEquals(order.poll(1_300).length, 0);
  assertEquals(order.poll(1_700).length >= 1, true);
  assertEquals(shown, []);
});

Deno.test("delivery order: the server's Gap is shown once, as one notice, and the rest follows", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(5), 400);
  order.poll(700);
  order.gap(2, 4, 800);
  assertEquals(shown, ["1", "gap 2-4", "5"]);
  // A Gap for seqs not missing changes nothing.
  order.gap(1, 100, 900);
  order.receive(chat(6), 1_000);
  assertEquals(shown, ["1", "gap 2-4", "5", "6"]);
});

Deno.test(
  "delivery order: with no answer after the last Nack, the hole is reported, never skipped",
  { permissions: "none" },
  () => {
    const { order, shown } = started(1);
    order.receive(chat(3), 400);
    let now = 400;
    let nacks = 0;
    while (shown.length < 3 && now < 60_000) {
      now += 100;
      nacks += order.poll(now).length;
    }
    assertEquals(nacks, CONFIG.maxNackAttempts);
    assertEquals(shown, ["1", "gap 2-2", "3"]);
  },
);

Deno.test("delivery order: History comes first, marked; a resent History seq stays history", {
  permissions: "none",
}, () => {
  const { order, shown } = setup();
  order.receive(chat(7, true), 0);
  order.receive(chat(9, true), 1);
  order.receive(chat(10), 2);
  order.poll(300);
  assertEquals(shown, ["h7"]);
  // 8 was lost; its resend comes as a Chat event.
  order.receive(chat(8), 400);
  assertEquals(shown, ["h7", "h8", "h9", "10"]);
});

Deno.test("delivery order: flush shows what is held, the holes before it as gaps", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(4), 400);
  order.flush(500);
  assertEquals(shown, ["1", "gap 2-3", "4"]);
});

Deno.test("delivery order: memory is bounded: past maxHeld the oldest holes are given up", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(1_000), 400);
  // One gap for all that cannot be held, not one per seq; the last 99 holes and 1,000 wait.
  assertEquals(shown, ["1", "gap 2-900"]);
  assertEquals(order.waiting, CONFIG.maxHeld);
});

Deno.test("delivery order: a seq near 2^32 costs no more than any jump past maxHeld", {
  permissions: "none",
}, async (t) => {
  const last = 2 ** 32 - 1;
  await t.step("a chat event", () => {
    const { order, shown } = started(1);
    order.receive(chat(last), 400);
    assertEquals(shown, ["1", `gap 2-${last - CONFIG.maxHeld}`]);
    assertEquals(order.waiting, CONFIG.maxHeld);
  });
  await t.step("a Pong's latest seq", () => {
    const { order, shown } = started(1);
    order.latest(last, 400);
    assertEquals(shown, ["1", `gap 2-${last - CONFIG.maxHeld}`]);
    assertEquals(order.waiting, CONFIG.maxHeld);
  });
  await t.step("among the first events, before the start", () => {
    const { order, shown } = setup();
    order.receive(chat(1), 0);
    order.receive(chat(last), 10);
    order.poll(300);
    // One gap, the holes after it within maxHeld (one fewer: 1 still counted when it was made).
    assertEquals(shown, ["1", `gap 2-${last - CONFIG.maxHeld + 1}`]);
    assertEquals(order.waiting, CONFIG.maxHeld - 1);
  });
  await t.step("a Gap event spanning every seq gives up only the holes known", () => {
    const { order, shown } = started(1);
    order.receive(chat(4), 400);
    order.gap(0, last, 500);
    assertEquals(shown, ["1", "gap 2-3", "4"]);
    order.receive(chat(5), 600);
    assertEquals(shown, ["1", "gap 2-3", "4", "5"]);
  });
  await t.step("a seq given up arriving late is dropped, as it was said to be lost", () => {
    const { order, shown } = started(1);
    order.receive(chat(1_000), 400);
    assertEquals(order.receive(chat(500), 450), "duplicate");
    assertEquals(shown, ["1", "gap 2-900"]);
  });
});

Deno.test("delivery order: before the start is known, at most maxHeld events are held", {
  permissions: "none",
}, () => {
  const { order, shown } = setup();
  // Every other seq, from 1: the start is decided at the 100th, without waiting for the window.
  for (let i = 0; i < CONFIG.maxHeld; i++) order.receive(chat(1 + 2 * i), 0);
  assertEquals(shown.slice(0, 3), ["1", "gap 2-2", "3"]);
  assertEquals(order.waiting <= CONFIG.maxHeld, true);
});

Deno.test("delivery order: flush before the start shows every event held, the holes as gaps", {
  permissions: "none",
}, () => {
  const { order, shown } = setup();
  order.receive(chat(1), 0);
  order.receive(chat(3), 10);
  order.flush(20);
  assertEquals(shown, ["1", "gap 2-2", "3"]);
});

Deno.test("delivery order: an event without seq waits behind the chat events held before it", {
  permissions: "none",
}, () => {
  const shown: string[] = [];
  const order = new DeliveryOrder((event) => {
    shown.push(event.type === "chat" ? String(event.seq) : event.type);
  }, CONFIG);
  order.other({ type: "pong", time: 0 });
  order.receive(chat(1), 0);
  order.other({ type: "left", time: 0, reason: 1, names: ["ann"] });
  assertEquals(shown, ["pong"]);
  order.poll(300);
  assertEquals(shown, ["pong", "1", "left"]);
  order.receive(chat(3), 400);
  order.other({ type: "joined", time: 0, names: ["bo"] });
  order.receive(chat(2), 500);
  order.other({ type: "pong", time: 0 });
  assertEquals(shown, ["pong", "1", "left", "2", "3", "joined", "pong"]);
});

Deno.test("delivery order: a lost last message is found by the latest seq, then asked for", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(2), 400);
  // 3 was lost and nothing followed it: no later seq reveals it, so nothing is asked for.
  assertEquals(order.poll(5_000), []);
  order.latest(3, 5_000);
  assertEquals(order.waiting, 1);
  assertEquals(order.poll(5_299), []);
  assertEquals(order.poll(5_300), [{ from: 3, to: 3 }]);
  order.receive(chat(3), 5_400);
  assertEquals(shown, ["1", "2", "3"]);
  assertEquals(order.waiting, 0);
});

Deno.test("delivery order: a latest seq before the start is known is ignored", {
  permissions: "none",
}, () => {
  const { order, shown } = setup();
  // Nothing seen at all: what came before our arrival is not ours to ask for.
  order.latest(7, 0);
  assertEquals(order.waiting, 0);
  // Within the start's window: still ignored; the start is the smallest seq received.
  order.receive(chat(8), 100);
  order.latest(9, 200);
  order.poll(400);
  assertEquals(shown, ["8"]);
  assertEquals(order.waiting, 0);
  assertEquals(order.poll(10_000), []);
});

Deno.test("delivery order: a latest seq at or below the highest seen changes nothing", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.receive(chat(4), 400);
  order.latest(4, 400);
  order.latest(2, 400);
  // Only the holes 2 and 3 that 4 revealed are asked for, as before.
  assertEquals(order.waiting, 3);
  assertEquals(order.poll(700), [{ from: 2, to: 3 }]);
  order.receive(chat(2), 800);
  order.receive(chat(3), 800);
  order.latest(4, 900);
  assertEquals(order.waiting, 0);
  assertEquals(order.poll(10_000), []);
  assertEquals(shown, ["1", "2", "3", "4"]);
});

Deno.test("delivery order: a lost tail never answered is reported after the last Nack", {
  permissions: "none",
}, () => {
  const { order, shown } = started(1);
  order.latest(3, 400);
  let now = 400;
  let nacks = 0;
  while (shown.length < 2 && now < 60_000) {
    now += 100;
    nacks += order.poll(now).length;
  }
  assertEquals(nacks, CONFIG.maxNackAttempts);
  assertEquals(shown, ["1", "gap 2-3"]);
  // What follows is shown in order after the gap.
  order.receive(chat(4), now);
  assertEquals(shown, ["1", "gap 2-3", "4"]);
});

/** The largest seq a Chat event can carry (u32). */
const MAX_SEQ = 2 ** 32 - 1;

/**
 * A call on the order: a seq is either absolute (anywhere in [1, 2^32 - 1], edges included) or
 * relative to the highest seen so far, so that most calls land near where the order stands.
 */
type Step =
  | { call: "receive"; seq: number; relative: boolean; history: boolean }
  | { call: "latest"; seq: number; relative: boolean }
  | { call: "gap"; from: number; span: number; relative: boolean }
  | { call: "poll"; elapsed: number }
  | { call: "other" }
  | { call: "flush" };

const anySeq = fc.oneof(
  fc.integer({ min: 1, max: MAX_SEQ }),
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: MAX_SEQ - 40, max: MAX_SEQ }),
);
const seqArg = fc.oneof(
  { weight: 1, arbitrary: fc.tuple(anySeq, fc.constant(false)) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: -20, max: 40 }), fc.constant(true)) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(seqArg, fc.boolean()).map(([[seq, relative], history]) => ({
      call: "receive" as const,
      seq,
      relative,
      history,
    })),
  },
  {
    weight: 2,
    arbitrary: seqArg.map(([seq, relative]) => ({ call: "latest" as const, seq, relative })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(seqArg, fc.oneof(fc.nat(70), fc.nat(MAX_SEQ))).map((
      [[from, relative], span],
    ) => ({ call: "gap" as const, from, span, relative })),
  },
  { weight: 4, arbitrary: fc.nat(2_000).map((elapsed) => ({ call: "poll" as const, elapsed })) },
  { weight: 1, arbitrary: fc.constant({ call: "other" as const }) },
  { weight: 1, arbitrary: fc.constant({ call: "flush" as const }) },
);

/**
 * Runs `steps` on an order holding at most `maxHeld`, checking after each call that it holds no
 * more, that what it showed follows on from what it showed before (each chat seq and each gap
 * starts right after the last shown: no seq twice, none skipped in silence), that a Nack range is
 * well formed, that an event without seq comes after the chat events received before it (unless
 * they were shown as lost), and that nothing is left after a flush.
 */
function checkSteps(steps: readonly Step[], maxHeld: number): void {
  const shown: OrderedEvent[] = [];
  const order = new DeliveryOrder((event) => shown.push(event), { ...CONFIG, maxHeld });
  let now = 0;
  let highest = 0;
  /** The last seq shown (as chat or inside a gap). */
  let end: number | null = null;
  const received = new Set<number>();
  /** For each event without seq (a notice whose text is its index), the seqs received before it. */
  const receivedBefore: Set<number>[] = [];
  const shownSeqs = new Set<number>();
  const lost: { from: number; to: number }[] = [];
  let checked = 0;
  const seqOf = (seq: number, relative: boolean) =>
    Math.min(MAX_SEQ, Math.max(1, relative ? highest + seq : seq));
  for (const s of steps) {
    if (s.call === "receive") {
      const seq = seqOf(s.seq, s.relative);
      highest = Math.max(highest, seq);
      if (order.receive(chat(seq, s.history), now) === "new") received.add(seq);
    } else if (s.call === "latest") {
      const seq = seqOf(s.seq, s.relative);
      highest = Math.max(highest, seq);
      order.latest(seq, now);
    } else if (s.call === "gap") {
      const from = seqOf(s.from, s.relative);
      order.gap(from, Math.min(MAX_SEQ, from + s.span), now);
    } else if (s.call === "poll") {
      now += s.elapsed;
      for (const { from, to } of order.poll(now)) ok(from <= to && to - from < 64, `${from}-${to}`);
    } else if (s.call === "other") {
      receivedBefore.push(new Set(received));
      order.other({ type: "notice", time: now, code: 0, text: `${receivedBefore.length - 1}` });
    } else {
      order.flush(now);
      assertEquals(order.waiting, 0);
    }
    ok(order.waiting <= maxHeld, `${order.waiting} waiting after ${JSON.stringify(s)}`);
    for (; checked < shown.length; checked++) {
      const event = shown[checked];
      if (event.type === "chat") {
        ok(end === null || event.seq === end + 1, `chat ${event.seq} after ${end}`);
        end = event.seq;
        shownSeqs.add(event.seq);
      } else if (event.type === "gap") {
        ok(event.from <= event.to && (end === null || event.from === end + 1), `gap after ${end}`);
        end = event.to;
        lost.push(event);
      } else if (event.type === "notice") {
        for (const seq of receivedBefore[Number(event.text)]) {
          const gone = lost.some(({ from, to }) => from <= seq && seq <= to);
          ok(shownSeqs.has(seq) || gone, `notice ${event.text} before chat ${seq}`);
        }
      }
    }
  }
}

Deno.test("delivery order: any calls with any seqs keep it bounded, in order, gap-free", {
  permissions: "none",
}, () => {
  for (const maxHeld of [1, 4, 16]) {
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 150 }), (steps) => {
        checkSteps(steps, maxHeld);
      }),
      { seed: 5, numRuns: 200 },
    );
  }
});
