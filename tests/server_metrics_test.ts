import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { SERVE_FLAGS } from "../cli/serve_command.ts";
import { Operation, Status } from "../protocol/mod.ts";
import {
  MAX_METRICS_CONNECTIONS,
  MAX_METRICS_CONNECTIONS_PER_IP,
  MAX_REQUEST_HEAD_BYTES,
} from "../server/metrics/mod.ts";
import {
  enter,
  RECEIVE_TIMEOUT_MS,
  roomRequest,
  startTestServer,
  tcrpRequest,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One metric family as the parser gives it. */
interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string }[];
}

/** Sends `request` raw to the metrics port and reads the whole answer (the server closes). */
async function raw(test: TestServer, request: string | Uint8Array): Promise<string> {
  const port = test.server.metricsAddr?.port;
  ok(port !== undefined, "the metrics port is on");
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(typeof request === "string" ? encoder.encode(request) : request);
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(16_384);
  for (;;) {
    const read = await conn.read(buffer).catch(() => null);
    if (read === null) break;
    chunks.push(buffer.slice(0, read));
  }
  return chunks.map((chunk) => decoder.decode(chunk)).join("");
}

/** GETs `path`: the status code and the body. */
async function get(test: TestServer, path: string): Promise<{ status: number; body: string }> {
  const answer = await raw(test, `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  const [head, body] = answer.split("\r\n\r\n", 2);
  return { status: Number(head.split(" ")[1]), body };
}

/** Scrapes `/metrics` and parses it as Prometheus text, by family name. */
async function scrape(test: TestServer): Promise<Map<string, Family>> {
  const { status, body } = await get(test, "/metrics");
  strictEqual(status, 200);
  const families = parsePrometheusTextFormat(body) as Family[];
  return new Map(families.map((family) => [family.name, family]));
}

/** The value of the series of `name` whose labels include `labels`. */
function value(families: Map<string, Family>, name: string, labels = {}): number {
  const family = families.get(name);
  ok(family !== undefined, `no metric ${name}`);
  const series = family.metrics.find((metric) =>
    Object.entries(labels).every(([key, wanted]) => metric.labels?.[key] === wanted)
  );
  ok(series !== undefined, `no series ${name} ${JSON.stringify(labels)}`);
  return Number(series.value ?? series.count);
}

Deno.test("/metrics parses as Prometheus text, and its gauges move as rooms and members come and go", async () => {
  await using test = await startTestServer({ metricsPort: 0 });
  // A flag a HELP line names is one `kaiwa serve` has, for an operator to look up.
  const { body } = await get(test, "/metrics");
  const flags = new Set(SERVE_FLAGS.map((flag) => `--${flag.name}`));
  for (const help of body.split("\n").filter((line) => line.startsWith("# HELP "))) {
    for (const [named] of help.matchAll(/--[a-z][a-z-]*/g)) ok(flags.has(named), help);
  }
  const before = await scrape(test);
  for (const [name, family] of before) {
    ok(/^(kaiwa|process)_[a-z_]+$/.test(name), name);
    if (family.type === "COUNTER") ok(name.endsWith("_total"), `${name} is a counter`);
  }
  strictEqual(value(before, "kaiwa_rooms"), 0);
  strictEqual(value(before, "kaiwa_members", { protocol: "standard" }), 0);
  strictEqual(value(before, "kaiwa_members", { protocol: "kaiwa" }), 0);
  strictEqual(before.get("kaiwa_join_duration_seconds")?.type, "HISTOGRAM");
  ok(value(before, "process_resident_memory_bytes") > 0);

  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob", { kaiwa: true });
  await enter(test, cat, CreateRoom, "s", "cat");
  await ann.send(test.udp, "r", "no-such-token", "hi");
  await waitFor(() => test.server.state.counters.unknownToken === 1, "the drop counted");
  await ann.send(test.udp, "r", annToken, "hello");
  // The fifth datagram is counted once the server has read it: bob hears it relayed.
  strictEqual((await bob.receiveEvent()).type, "members");
  const relayed = await bob.receiveEvent();
  strictEqual(relayed.type === "chat" && relayed.text, "hello");
  const full = await scrape(test);
  strictEqual(value(full, "kaiwa_rooms"), 2);
  strictEqual(value(full, "kaiwa_members", { protocol: "standard" }), 2);
  strictEqual(value(full, "kaiwa_members", { protocol: "kaiwa" }), 1);
  strictEqual(value(full, "kaiwa_datagrams_dropped_total", { reason: "unknown_token" }), 1);
  ok(value(full, "kaiwa_udp_datagrams_received_total") >= 5);
  ok(value(full, "kaiwa_udp_datagrams_sent_total") >= 1);
  strictEqual(value(full, "kaiwa_join_duration_seconds"), 3, "three admissions observed");

  strictEqual(
    (await tcrpRequest(test.tcpPort, JoinRoom, "nowhere", roomRequest("x"))).status,
    Status.RoomNotFound,
  );
  const refused = await scrape(test);
  strictEqual(value(refused, "kaiwa_requests_refused_total", { status: "room_not_found" }), 1);
  strictEqual(value(refused, "kaiwa_requests_refused_total", { status: "wrong_password" }), 0);

  await ann.send(test.udp, "r", annToken, "/exit");
  await waitFor(() => test.server.state.rooms.size === 1, "room r closed");
  const after = await scrape(test);
  strictEqual(value(after, "kaiwa_rooms"), 1);
  strictEqual(value(after, "kaiwa_members", { protocol: "standard" }), 1);
  strictEqual(value(after, "kaiwa_members", { protocol: "kaiwa" }), 0);
  // Counters never go back.
  strictEqual(value(after, "kaiwa_datagrams_dropped_total", { reason: "unknown_token" }), 1);
});

Deno.test("/healthz answers 200 while serving; anything else is refused in a bounded way", async (t) => {
  await using test = await startTestServer({ metricsPort: 0 });
  await t.step("/healthz", async () => {
    deepStrictEqual(await get(test, "/healthz"), { status: 200, body: "ok\n" });
  });
  await t.step("an unknown path is 404, another method 405, a bad line 400", async () => {
    strictEqual((await get(test, "/")).status, 404);
    const post = await raw(test, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    strictEqual(post.split(" ")[1], "405");
    strictEqual((await raw(test, "hello\r\n\r\n")).split(" ")[1], "400");
  });
  await t.step("a HEAD request gets the head alone", async () => {
    const head = await raw(test, "HEAD /healthz HTTP/1.1\r\n\r\n");
    ok(head.startsWith("HTTP/1.1 200 OK\r\n"));
    ok(head.endsWith("\r\n\r\n"), "no body");
  });
  await t.step("a head whose lines end in a bare LF is 400 at once", async () => {
    // Not held until the deadline and closed unanswered: the head has ended, and is bad.
    strictEqual((await raw(test, "GET /healthz HTTP/1.1\n\n")).split(" ")[1], "400");
  });
  await t.step("a request head over the limit is 431, unread past the limit", async () => {
    const long = `GET /metrics HTTP/1.1\r\nX: ${"a".repeat(MAX_REQUEST_HEAD_BYTES)}\r\n\r\n`;
    strictEqual((await raw(test, long)).split(" ")[1], "431");
  });
  await t.step(
    "connections past one IP's share are closed unanswered, and served again after",
    async () => {
      // One source cannot hold every place (MAX_METRICS_CONNECTIONS, the global cap, stays for
      // many sources together): another scraper still gets in.
      ok(MAX_METRICS_CONNECTIONS_PER_IP < MAX_METRICS_CONNECTIONS);
      const port = test.server.metricsAddr?.port ?? 0;
      const held = await Promise.all(
        Array.from(
          { length: MAX_METRICS_CONNECTIONS_PER_IP },
          () => Deno.connect({ hostname: "127.0.0.1", port }),
        ),
      );
      try {
        // The held connections sent nothing: each holds its place until its deadline. Accepts
        // are taken in order, so the next one finds its source's share taken.
        strictEqual(await raw(test, "GET /healthz HTTP/1.1\r\n\r\n"), "");
      } finally {
        for (const conn of held) conn.close();
      }
      // Their places come free as the server sees them close.
      const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
      let answer = "";
      while (answer === "" && Date.now() < deadline) {
        answer = await raw(test, "GET /healthz HTTP/1.1\r\n\r\n");
        if (answer === "") await new Promise((resolve) => setTimeout(resolve, 10));
      }
      ok(answer.startsWith("HTTP/1.1 200"), answer);
    },
  );
  await t.step("/healthz answers 503 once the server is shutting down", async () => {
    const shutdown = test.server.shutdown();
    // The endpoint closes with the server: before that, a probe sees 503 or nothing.
    const answer = await raw(test, "GET /healthz HTTP/1.1\r\n\r\n").catch(() => "");
    ok(answer === "" || answer.startsWith("HTTP/1.1 503"), answer);
    await shutdown;
  });
});
