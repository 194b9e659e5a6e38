import { deepStrictEqual, ok } from "node:assert/strict";
import fc from "fast-check";
import { CHAT_ENTRY_OVERHEAD_BYTES, ChatLog } from "../server/state/mod.ts";

const SENDER = new TextEncoder().encode("ann");

Deno.test({
  name: "ChatLog's arena: every held message reads back exactly, held ones are the newest",
  permissions: "none",
  fn() {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 200, max: 3_000 }),
        fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 200 }),
        (maxCount, maxBytes, lengths) => {
          const log = new ChatLog(maxCount, maxBytes);
          const texts: Uint8Array[] = [];
          lengths.forEach((length, i) => {
            const text = new Uint8Array(length).fill((i * 7 + 1) % 251);
            texts.push(text);
            log.add(i + 1, i, SENDER, text);
            const size = CHAT_ENTRY_OVERHEAD_BYTES + SENDER.length + length;
            if (size > maxBytes) return;
            // The message just added is always held, and so are the held ones before it.
            ok(log.size >= 1 && log.size <= maxCount);
            ok(log.bytes <= maxBytes);
            for (let seq = log.oldestSeq; seq <= log.latestSeq; seq++) {
              const held = log.get(seq);
              ok(held !== undefined, `seq ${seq} held`);
              deepStrictEqual(held.text, texts[seq - 1]);
              deepStrictEqual(held.time, seq - 1);
            }
            deepStrictEqual(log.get(log.oldestSeq - 1), undefined);
          });
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  },
});
