/** `ByteSlab` cuts small arrays from shared buffers: never overlapping, zeroed, never reused. */

import { notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ByteSlab } from "../util/mod.ts";

Deno.test("ByteSlab", { permissions: "none" }, async (t) => {
  await t.step("arrays cut from one slab do not overlap, and writes stay in each", () => {
    const slab = new ByteSlab();
    const pieces = Array.from({ length: 5_000 }, (_, i) => slab.alloc(1 + (i % 40)));
    pieces.forEach((piece, i) => piece.fill(i % 251));
    pieces.forEach((piece, i) => {
      strictEqual(piece.length, 1 + (i % 40));
      ok(piece.every((byte) => byte === i % 251), `piece ${i} kept its bytes`);
    });
    const buffers = new Set(pieces.map((piece) => piece.buffer));
    ok(buffers.size > 1, "a full slab gives way to a new one");
    ok(buffers.size < 100, "small arrays share buffers");
  });
  await t.step("a new array is zeroed; a large one gets a buffer of its own", () => {
    const slab = new ByteSlab();
    const small = slab.alloc(100);
    ok(small.every((byte) => byte === 0));
    const large = slab.alloc(32 * 1024);
    strictEqual(large.byteOffset, 0);
    strictEqual(large.buffer.byteLength, 32 * 1024);
    notStrictEqual(large.buffer, small.buffer);
  });
});
