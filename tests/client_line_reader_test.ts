import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { LineReader } from "../client/line_reader.ts";

const encoder = new TextEncoder();
const MB = 1024 * 1024;

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

/** `bytes` in pieces of `size` (the last one shorter). */
function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return chunks;
}

/**
 * A stream that makes each chunk only when the reader asks for it (no read-ahead), and counts
 * the bytes it has given so far.
 */
class LazyStream {
  given = 0;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(chunks: Iterable<Uint8Array>, onPull: () => void = () => {}) {
    const iterator = chunks[Symbol.iterator]();
    this.stream = new ReadableStream({
      pull: (controller) => {
        onPull();
        const { value, done } = iterator.next();
        if (done) return controller.close();
        this.given += value.length;
        controller.enqueue(value);
      },
    }, { highWaterMark: 0 });
  }
}

/** `prefix`, then a line of `length` bytes of `a` in chunks of `chunkSize`, then `suffix`. */
function* longLine(
  length: number,
  chunkSize: number,
  suffix: string,
  prefix = "",
): Generator<Uint8Array> {
  if (prefix.length > 0) yield encoder.encode(prefix);
  const chunk = new Uint8Array(chunkSize).fill(0x61);
  for (let sent = 0; sent < length; sent += chunkSize) {
    yield sent + chunkSize <= length ? chunk : chunk.subarray(0, length - sent);
  }
  yield encoder.encode(suffix);
}

interface Line {
  text: string;
  tooLong: boolean;
}

async function readAll(reader: LineReader): Promise<Line[]> {
  const lines: Line[] = [];
  for (let text = await reader.next(); text !== null; text = await reader.next()) {
    lines.push({ text, tooLong: reader.lastLineTooLong });
  }
  return lines;
}

async function textsOf(reader: LineReader): Promise<string[]> {
  return (await readAll(reader)).map((line) => line.text);
}

Deno.test("LineReader splits LF and CRLF lines and keeps a last line without an ending", {
  permissions: "none",
}, async () => {
  const bytes = encoder.encode("one\r\ntwo\n\nthree");
  deepStrictEqual(await textsOf(new LineReader(streamOf([bytes]))), ["one", "two", "", "three"]);
  deepStrictEqual(await textsOf(new LineReader(streamOf(chunksOf(bytes, 1)))), [
    "one",
    "two",
    "",
    "three",
  ]);
});

Deno.test("LineReader: an empty input has no line; a lone newline is one empty line", {
  permissions: "none",
}, async () => {
  deepStrictEqual(await textsOf(new LineReader(streamOf([]))), []);
  deepStrictEqual(await textsOf(new LineReader(streamOf([new Uint8Array(0)]))), []);
  deepStrictEqual(await textsOf(new LineReader(streamOf([encoder.encode("\n")]))), [""]);
  deepStrictEqual(await textsOf(new LineReader(streamOf([encoder.encode("\r\n")]))), [""]);
});

Deno.test(
  "LineReader joins a multi-byte character split across chunks",
  { permissions: "none" },
  async (t) => {
    const bytes = encoder.encode("会話\n😀\n");
    for (let cut = 0; cut <= bytes.length; cut++) {
      await t.step(`cut at ${cut}`, async () => {
        const lines = await textsOf(
          new LineReader(streamOf([bytes.slice(0, cut), bytes.slice(cut)])),
        );
        deepStrictEqual(lines, ["会話", "😀"]);
      });
    }
    await t.step("one byte per chunk, CRLF split too, with a limit", async () => {
      const reader = new LineReader(streamOf(chunksOf(encoder.encode("会話\r\n😀\r\né"), 1)), {
        maxLineBytes: 8,
      });
      deepStrictEqual(await readAll(reader), [
        { text: "会話", tooLong: false },
        { text: "😀", tooLong: false },
        { text: "é", tooLong: false },
      ]);
    });
  },
);

Deno.test("LineReader: invalid bytes become U+FFFD; only the stream's first BOM is dropped", {
  permissions: "none",
}, async () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x0a, 0xe4, 0x0a, 0xef, 0xbb, 0xbf]);
  deepStrictEqual(await textsOf(new LineReader(streamOf(chunksOf(bytes, 1)))), [
    "a\uFFFD",
    "\uFFFD",
    "\uFEFF",
  ]);
});

Deno.test(
  "LineReader: a line of exactly the limit is whole, CRLF or not; one byte more is too long",
  {
    permissions: "none",
  },
  async () => {
    const limit = 10;
    const exact = "x".repeat(limit);
    for (const chunkSize of [1, 3, 1024]) {
      const input = encoder.encode(`${exact}\r\n${exact}\n${exact}x\r\n${exact}`);
      const lines = await readAll(
        new LineReader(streamOf(chunksOf(input, chunkSize)), { maxLineBytes: limit }),
      );
      deepStrictEqual(lines, [
        { text: exact, tooLong: false },
        { text: exact, tooLong: false },
        { text: `${exact}x`, tooLong: true },
        { text: exact, tooLong: false },
      ], `chunks of ${chunkSize}`);
    }
  },
);

Deno.test("LineReader refuses a long line as soon as it passes the limit, then reads the next", {
  permissions: "none",
}, async (t) => {
  const limit = 4096;
  const length = 1 * MB;
  for (const chunkSize of [1, 7, 64 * 1024]) {
    await t.step(`chunks of ${chunkSize} bytes`, async () => {
      const source = new LazyStream(longLine(length, chunkSize, "\nnext\n", "before\r\n"));
      const reader = new LineReader(source.stream, { maxLineBytes: limit });
      strictEqual(await reader.next(), "before");
      strictEqual(reader.lastLineTooLong, false);

      const cut = await reader.next();
      strictEqual(reader.lastLineTooLong, true);
      strictEqual(cut, "a".repeat(limit + 1), "cut just past the limit");
      ok(
        source.given <= "before\r\n".length + limit + 5 + chunkSize,
        `refused after ${source.given} bytes, not at the end of the line`,
      );

      strictEqual(await reader.next(), "next");
      strictEqual(reader.lastLineTooLong, false);
      strictEqual(await reader.next(), null);
    });
  }
});

Deno.test("LineReader cuts a long line just past the character that crosses the limit", {
  permissions: "none",
}, async (t) => {
  const limit = 10;
  const cases: [string, string][] = [
    ["a".repeat(9) + "😀" + "bbbbbb", "a".repeat(9) + "😀"],
    ["a".repeat(10) + "😀" + "bbbbbb", "a".repeat(10) + "😀"],
    ["a".repeat(8) + "会会会", "a".repeat(8) + "会"],
    ["a".repeat(10) + "é" + "z".repeat(50), "a".repeat(10) + "é"],
    ["é".repeat(30), "é".repeat(6)],
  ];
  for (const [line, expected] of cases) {
    for (const chunkSize of [1, 2, 5, 1024]) {
      await t.step(`${JSON.stringify(line)} in chunks of ${chunkSize}`, async () => {
        const input = encoder.encode(`${line}\nafter`);
        const reader = new LineReader(streamOf(chunksOf(input, chunkSize)), {
          maxLineBytes: limit,
        });
        deepStrictEqual(await readAll(reader), [
          { text: expected, tooLong: true },
          { text: "after", tooLong: false },
        ]);
        ok(encoder.encode(expected).length > limit, "the cut text is still over the limit");
      });
    }
  }
});

Deno.test("LineReader: a long last line without a newline is cut, and the input ends there", {
  permissions: "none",
}, async () => {
  for (const length of [11, 15, 16, 100]) {
    const input = encoder.encode("x".repeat(length));
    for (const chunkSize of [1, 4, 1024]) {
      deepStrictEqual(
        await readAll(new LineReader(streamOf(chunksOf(input, chunkSize)), { maxLineBytes: 10 })),
        [{ text: "x".repeat(11), tooLong: true }],
        `${length} bytes in chunks of ${chunkSize}`,
      );
    }
  }
});

Deno.test("LineReader holds no more than the limit and a few bytes while a 16 MB line goes by", {
  permissions: "none",
}, async () => {
  const limit = 4096;
  const watched: { reader?: LineReader } = {};
  let most = 0;
  const source = new LazyStream(longLine(16 * MB, 64 * 1024, "\r\nnext\n"), () => {
    most = Math.max(most, watched.reader?.bufferedBytes ?? 0);
  });
  const reader = new LineReader(source.stream, { maxLineBytes: limit });
  watched.reader = reader;
  strictEqual((await reader.next())?.length, limit + 1);
  strictEqual(reader.lastLineTooLong, true);
  strictEqual(await reader.next(), "next");
  strictEqual(source.given, 16 * MB + "\r\nnext\n".length, "the whole line went by");
  ok(most <= limit + 5, `held ${most} bytes`);
  ok(reader.bufferedBytes <= limit + 5);
});

Deno.test("LineReader without a limit reads a 16 MB line whole, then lets its buffer go", {
  permissions: "none",
}, async () => {
  const reader = new LineReader(new LazyStream(longLine(16 * MB, 64 * 1024, "\nnext\n")).stream);
  const line = await reader.next();
  strictEqual(line?.length, 16 * MB);
  ok(/^a*$/.test(line ?? ""));
  strictEqual(reader.lastLineTooLong, false);
  strictEqual(await reader.next(), "next");
  ok(reader.bufferedBytes <= 64 * 1024, `kept ${reader.bufferedBytes} bytes`);
});

/** What the reader should give for `text`, read whole: the model the chunked reads must match. */
function expectedLines(text: string, limit: number): Line[] {
  const pieces = text.split("\n");
  const last = pieces.pop() ?? "";
  const lines = pieces.map((piece) => piece.endsWith("\r") ? piece.slice(0, -1) : piece);
  if (last.length > 0) lines.push(last);
  return lines.map((line) => {
    const bytes = encoder.encode(line);
    if (bytes.length <= limit) return { text: line, tooLong: false };
    let cut = limit + 1;
    while (cut < bytes.length && (bytes[cut] & 0xc0) === 0x80) cut++;
    return { text: new TextDecoder().decode(bytes.subarray(0, cut)), tooLong: true };
  });
}

Deno.test("LineReader gives the same lines however the input is chunked", {
  permissions: "none",
}, async () => {
  const piece = fc.constantFrom("a", "bc", "é", "会", "😀", "\n", "\r\n", "\r");
  const input = fc.array(piece, { maxLength: 60 }).map((pieces) => pieces.join(""));
  await fc.assert(
    fc.asyncProperty(
      input,
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }),
      async (text, limit, sizes) => {
        const bytes = encoder.encode(text);
        const chunks: Uint8Array[] = [];
        for (let i = 0, k = 0; i < bytes.length; k++) {
          const size = sizes[k % sizes.length];
          chunks.push(bytes.slice(i, i + size));
          i += size;
        }
        const lines = await readAll(new LineReader(streamOf(chunks), { maxLineBytes: limit }));
        deepStrictEqual(lines, expectedLines(text, limit));
      },
    ),
    { seed: 13, numRuns: 500 },
  );
});
