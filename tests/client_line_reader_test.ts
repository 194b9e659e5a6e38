import { deepStrictEqual } from "node:assert/strict";
import { LineReader } from "../client/line_reader.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function readAll(reader: LineReader): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await reader.next(); line !== null; line = await reader.next()) lines.push(line);
  return lines;
}

Deno.test("LineReader splits LF and CRLF lines and keeps a last line without an ending", {
  permissions: "none",
}, async () => {
  const bytes = new TextEncoder().encode("one\r\ntwo\n\nthree");
  deepStrictEqual(await readAll(new LineReader(streamOf([bytes]))), ["one", "two", "", "three"]);
});

Deno.test(
  "LineReader joins a multi-byte character split across chunks",
  { permissions: "none" },
  async (t) => {
    const bytes = new TextEncoder().encode("会話\n😀\n");
    for (let cut = 0; cut <= bytes.length; cut++) {
      await t.step(`cut at ${cut}`, async () => {
        const lines = await readAll(
          new LineReader(streamOf([bytes.slice(0, cut), bytes.slice(cut)])),
        );
        deepStrictEqual(lines, ["会話", "😀"]);
      });
    }
  },
);
