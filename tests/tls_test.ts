/**
 * TLS on the TCRP port (docs/protocol.md §2.8): kaiwa's client pins the server's identity on
 * first use and tells the user so once (pipe mode on stderr, the interactive client on its
 * screen), and refuses a changed one; `--fingerprint` pins explicitly, standard clients keep
 * plain TCRP on the same port, the generated identity survives a restart, and a handshake is an
 * incomplete connection under the per-IP bound and the header deadline. Real sockets on
 * loopback, data directories under /tmp.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ClientError } from "../client/errors.ts";
import { runInteractive } from "../client/interactive/run_interactive.ts";
import { pinnedNotice, type ServerPin } from "../client/known_servers.ts";
import { DEFAULT_JOIN_OPTIONS } from "../client/options.ts";
import { listRooms, requestRoom, type ServerAddress } from "../client/room_request.ts";
import { ExitCode } from "../cli/exit_codes.ts";
import { Operation, Status } from "../protocol/mod.ts";
import { openConnection } from "../server/tcp/mod.ts";
import { CERT_FILE, IdentityError, KEY_FILE, TlsOnDemand } from "../server/tls/mod.ts";
import { FakeTerminal, plain } from "./client_interactive_fakes.ts";
import { PipeClient } from "./pipe_client.ts";
import {
  RECEIVE_TIMEOUT_MS,
  roomRequest,
  startRealClockServer,
  startTestServer,
  tcrpRequest,
  waitFor,
} from "./server_helpers.ts";

/** A fresh directory under /tmp, removed when disposed. */
async function tempDir(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ dir: "/tmp", prefix });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

function tlsAddress(port: number, trust: ServerAddress["tls"]): ServerAddress {
  return { host: "127.0.0.1", port, tls: trust };
}

Deno.test("kaiwa's client pins the identity on first use and refuses a changed one", async (t) => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using otherDir = await tempDir("kaiwa-tls-other-");
  await using clientDir = await tempDir("kaiwa-tls-client-");
  const knownServers = `${clientDir.path}/known_servers`;
  const first = await startTestServer({ dataDir: serverDir.path });
  const port = first.tcpPort;
  const fingerprint = first.server.fingerprint!;
  const pins: ServerPin[] = [];
  const trust = { fingerprint: null, knownServers, onPinned: (pin: ServerPin) => pins.push(pin) };
  try {
    await t.step("first use writes known_servers and tells onPinned", async () => {
      strictEqual((await listRooms(tlsAddress(port, trust))).rooms.length, 0);
      strictEqual(await Deno.readTextFile(knownServers), `127.0.0.1:${port} ${fingerprint}\n`);
      deepStrictEqual(pins, [{ key: `127.0.0.1:${port}`, fingerprint, file: knownServers }]);
    });
    await t.step("the second connection is accepted, adds nothing and tells nothing", async () => {
      const ticket = await requestRoom(
        tlsAddress(port, trust),
        Operation.CreateRoom,
        "lobby",
        roomRequest("alice", { password: "secret", kaiwa: true }),
      );
      ticket.close();
      strictEqual(await Deno.readTextFile(knownServers), `127.0.0.1:${port} ${fingerprint}\n`);
      strictEqual(pins.length, 1);
    });
  } finally {
    await first.server.close();
  }
  await t.step("a new identity on the same host:port: exit code 13 and one sentence", async () => {
    await using second = await startTestServer({ dataDir: otherDir.path, port });
    ok(second.server.fingerprint !== fingerprint);
    const client = new PipeClient(port, ["lobby", "--name", "bob", "--data-dir", clientDir.path]);
    const { code, stderr } = await client.finish();
    strictEqual(code, ExitCode.ServerIdentityChanged, stderr);
    const lines = stderr.trim().split("\n");
    strictEqual(lines.length, 1, stderr);
    ok(lines[0].includes(`not the ${fingerprint} pinned in ${knownServers}`), stderr);
    // Refused before any request: no room was looked up, none created.
    strictEqual(second.server.state.listRooms().length, 0);
  });
});

Deno.test("kaiwa join in pipe mode says a first pin once, on stderr, never on stdout", async (t) => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using clientDir = await tempDir("kaiwa-tls-client-");
  await using test = await startTestServer({ dataDir: serverDir.path });
  const fingerprint = test.server.fingerprint!;
  const file = `${clientDir.path}/known_servers`;
  /** Enters a room of its own and leaves: what the process wrote on each stream. */
  const run = async (room: string) => {
    const client = new PipeClient(test.tcpPort, [
      room,
      "--name",
      "erin",
      "--create",
      "--data-dir",
      clientDir.path,
    ]);
    await client.send("hello");
    const stdout = await client.remainingLines();
    const { code, stderr } = await client.finish();
    strictEqual(code, ExitCode.Ok, stderr);
    return { stdout, stderr };
  };
  await t.step("the first run names the server, its fingerprint and the file", async () => {
    const { stdout, stderr } = await run("first");
    strictEqual(
      stderr,
      `kaiwa: ${pinnedNotice({ key: `127.0.0.1:${test.tcpPort}`, fingerprint, file })}\n`,
    );
    ok(stderr.includes(fingerprint) && stderr.includes(file), stderr);
    deepStrictEqual(stdout, []);
  });
  await t.step("the second run finds it known and says nothing", async () => {
    deepStrictEqual(await run("second"), { stdout: [], stderr: "" });
  });
});

Deno.test("the interactive client tells a first pin among its questions, then on the chat screen", async (t) => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using clientDir = await tempDir("kaiwa-tls-client-");
  const server = await startRealClockServer({ dataDir: serverDir.path });
  const port = server.tcpAddr.port;
  const file = `${clientDir.path}/known_servers`;
  const notice = pinnedNotice({ key: `127.0.0.1:${port}`, fingerprint: server.fingerprint!, file });
  // Wide enough that no notice is wrapped: the tests read each one whole.
  const terminal = new FakeTerminal(400);
  const count = (text: string) => plain(terminal.output).split(text).length - 1;
  let running: Promise<unknown> | null = null;
  try {
    await t.step("entering pins the server: one line, before the screen is drawn", async () => {
      running = runInteractive(
        {
          ...DEFAULT_JOIN_OPTIONS,
          port,
          room: "lobby",
          name: "fay",
          create: true,
          dataDir: clientDir.path,
        },
        { terminal, traits: { noColor: "1", term: "xterm-256color", isTerminal: true } },
      );
      const welcome = "1 in lobby: fay (host, you)";
      await terminal.waitFor(welcome);
      const shown = plain(terminal.output);
      strictEqual(count(`kaiwa: ${notice}\r\n`), 1, shown);
      ok(shown.indexOf(notice) < shown.indexOf(welcome), shown);
    });
    await t.step("a pin while chatting is a notice on the screen, and only once", async () => {
      // The user deleted the line meanwhile: /rooms connects to an unknown server again.
      await Deno.remove(file);
      terminal.type("/rooms", true);
      await terminal.waitFor("lobby (1 member)");
      strictEqual(count(notice), 2, plain(terminal.output));
      strictEqual(count(`kaiwa: ${notice}`), 1, "the screen's notice has no kaiwa: prefix");
      terminal.type("/rooms", true);
      await waitFor(() => count("lobby (1 member)") === 2, "the second room list");
      strictEqual(count(notice), 2, plain(terminal.output));
    });
  } finally {
    terminal.end();
    await running;
    await server.close();
  }
});

Deno.test("--fingerprint pins explicitly, without a known_servers file", async (t) => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using test = await startTestServer({ dataDir: serverDir.path });
  const fingerprint = test.server.fingerprint!;
  await t.step("the right fingerprint is accepted", async () => {
    const list = await listRooms(tlsAddress(test.tcpPort, { fingerprint, knownServers: null }));
    strictEqual(list.rooms.length, 0);
  });
  await t.step("another is refused as a changed identity", async () => {
    const other = `SHA256:${"A".repeat(43)}`;
    await rejects(
      listRooms(tlsAddress(test.tcpPort, { fingerprint: other, knownServers: null })),
      (error: unknown) =>
        error instanceof ClientError && error.reason === "serverIdentityChanged" &&
        error.message.includes(`not the ${other} given with --fingerprint`),
    );
  });
  await t.step("the command line's --fingerprint enters a room over TLS", async () => {
    const client = new PipeClient(test.tcpPort, [
      "room",
      "--name",
      "carol",
      "--create",
      "--fingerprint",
      fingerprint,
    ]);
    await client.send("hello");
    const { code, stderr } = await client.finish();
    strictEqual(code, ExitCode.Ok, stderr);
  });
});

Deno.test("standard clients keep plain TCRP on the TLS port", async () => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using test = await startTestServer({ dataDir: serverDir.path });
  const fingerprint = test.server.fingerprint!;
  const ticket = await requestRoom(
    tlsAddress(test.tcpPort, { fingerprint, knownServers: null }),
    Operation.CreateRoom,
    "mixed",
    roomRequest("kaiwa-user", { kaiwa: true }),
  );
  ticket.close();
  const plain = await tcrpRequest(test.tcpPort, Operation.JoinRoom, "mixed", roomRequest("std"));
  strictEqual(plain.status, Status.Ok);
  ok(plain.token !== null);
  const list = await tcrpRequest(test.tcpPort, Operation.ListRooms, "", null);
  deepStrictEqual(list.list?.rooms.map((room) => room.name), ["mixed"]);
});

Deno.test("--insecure-plaintext talks to a server without TLS; TLS is refused there", async () => {
  await using test = await startTestServer();
  strictEqual(test.server.fingerprint, null);
  await rejects(
    listRooms(tlsAddress(test.tcpPort, { fingerprint: null, knownServers: null })),
    (error: unknown) =>
      error instanceof ClientError && error.reason === "unreachable" &&
      error.message.includes("--insecure-plaintext"),
  );
  const client = new PipeClient(test.tcpPort, ["room", "--name", "dan", "--create"]);
  const { code, stderr } = await client.finish();
  strictEqual(code, ExitCode.Ok, stderr);
});

Deno.test("the generated identity survives a restart, its key readable by its user only", async () => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  let fingerprint: string | null;
  {
    await using first = await startTestServer({ dataDir: serverDir.path });
    fingerprint = first.server.fingerprint;
  }
  ok(fingerprint?.startsWith("SHA256:"));
  await using second = await startTestServer({ dataDir: serverDir.path });
  strictEqual(second.server.fingerprint, fingerprint);
  const names = [...Deno.readDirSync(serverDir.path)].map((entry) => entry.name).sort();
  deepStrictEqual(names, [CERT_FILE, KEY_FILE].sort());
  if (Deno.build.os !== "windows") {
    strictEqual(Deno.statSync(`${serverDir.path}/${KEY_FILE}`).mode! & 0o777, 0o600);
  }
});

Deno.test("an operator's certificate and a key of another pair stop the server at start", async () => {
  await using one = await tempDir("kaiwa-tls-one-");
  await using other = await tempDir("kaiwa-tls-other-");
  // Two generated identities: the certificate of one with the key of the other.
  for (const dir of [one, other]) {
    await using _made = await startTestServer({ dataDir: dir.path });
  }
  const tlsCert = `${one.path}/${CERT_FILE}`;
  await rejects(
    startTestServer({ tlsCert, tlsKey: `${other.path}/${KEY_FILE}` }),
    (error: Error) =>
      error instanceof IdentityError && error.message.includes("cannot use the TLS identity"),
  );
  await using matched = await startTestServer({ tlsCert, tlsKey: `${one.path}/${KEY_FILE}` });
  ok(matched.server.fingerprint?.startsWith("SHA256:"));
});

/** The first bytes of a ClientHello, then nothing: a handshake that never completes. */
const STALLED_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xf0, 0x01]);

Deno.test("TLS handshakes are incomplete connections: the per-IP bound evicts the oldest", async () => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using test = await startTestServer({ dataDir: serverDir.path, maxIncompletePerIp: 2 });
  const conns: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
      await conn.write(STALLED_HELLO);
      conns.push(conn);
    }
    await waitFor(() => test.server.tcp.evictions === 3, "three evictions");
    strictEqual(test.server.tcp.incomplete, 2);
    // The evicted connections were closed: their reads end.
    for (const conn of conns.slice(0, 3)) {
      strictEqual(await conn.read(new Uint8Array(16)).catch(() => null), null);
    }
  } finally {
    for (const conn of conns) conn.close();
  }
});

Deno.test("a stalled TLS handshake is closed by the header deadline", async () => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using test = await startTestServer({ dataDir: serverDir.path, headerTimeoutSeconds: 0.2 });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort });
  await conn.write(STALLED_HELLO);
  // The server closes it (a TLS alert may come first); no request was ever read.
  const buffer = new Uint8Array(64);
  while (await conn.read(buffer).catch(() => null) !== null) { /* until closed */ }
  await waitFor(() => test.server.tcp.connections === 0, "the connection to be released");
});

/** An identity never read: the tests that use it fail TLS's load before the identity's use. */
const UNREAD_IDENTITY = { cert: "", key: "", fingerprint: "SHA256:unread", source: "a test" };

Deno.test("TLS that fails to load fails its connection, is said once and loads again next time", async () => {
  const told: unknown[] = [];
  let loads = 0;
  const tls = new TlsOnDemand(UNREAD_IDENTITY, (error) => told.push(error), () => {
    loads += 1;
    return Promise.reject(new Error("no file descriptor left"));
  });
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  for (let i = 0; i < 3; i++) {
    using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    using conn = await listener.accept();
    await client.write(STALLED_HELLO);
    await rejects(openConnection(conn, tls, RECEIVE_TIMEOUT_MS), /no file descriptor left/);
  }
  // Each connection tried the load again; the failure was said once.
  strictEqual(loads, 3);
  strictEqual(told.length, 1);
});

Deno.test("a TLS connection waiting for TLS to load is closed by the header deadline", async () => {
  let failLoad: (error: Error) => void = () => {};
  const tls = new TlsOnDemand(
    UNREAD_IDENTITY,
    () => {},
    () => new Promise((_, reject) => failLoad = reject),
  );
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  using client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  using conn = await listener.accept();
  await client.write(STALLED_HELLO);
  const opened = openConnection(conn, tls, 200);
  // The load is still under way when the deadline closes the connection.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([
    client.read(new Uint8Array(16)).catch(() => null).then(() => true),
    new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), RECEIVE_TIMEOUT_MS)),
  ]).finally(() => clearTimeout(timer));
  strictEqual(closed, true, "the connection closed while TLS loads");
  failLoad(new Error("loaded too late"));
  // The deadline ended it: nothing to serve, whatever the load came to.
  strictEqual(await opened, null);
});

/** Forwards one TCP connection to `port` on loopback, recording every byte sent to the server. */
function recordingProxy(port: number): { port: number; sent: () => Uint8Array } & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    using client = await listener.accept();
    using server = await Deno.connect({ hostname: "127.0.0.1", port });
    const up = (async () => {
      for await (const chunk of client.readable.pipeThrough(new TransformStream())) {
        chunks.push(chunk);
        await server.write(chunk).catch(() => {});
      }
      // The client closed: so does the proxy, towards the server.
      await server.closeWrite();
    })().catch(() => {});
    await server.readable.pipeTo(client.writable).catch(() => {});
    await up;
  })();
  return {
    port: listener.addr.port,
    sent: () => new Uint8Array(chunks.flatMap((chunk) => [...chunk])),
    [Symbol.asyncDispose]: async () => {
      listener.close();
      await done.catch(() => {});
    },
  };
}

Deno.test("the room password never crosses the connection in clear over TLS", async () => {
  await using serverDir = await tempDir("kaiwa-tls-server-");
  await using test = await startTestServer({ dataDir: serverDir.path });
  const password = "correct horse battery staple";
  const sent = new TextDecoder("latin1");
  {
    await using proxy = recordingProxy(test.tcpPort);
    const ticket = await requestRoom(
      tlsAddress(proxy.port, { fingerprint: test.server.fingerprint, knownServers: null }),
      Operation.CreateRoom,
      "vault",
      roomRequest("alice", { password, kaiwa: true }),
    );
    ticket.close();
    const bytes = sent.decode(proxy.sent());
    ok(bytes.length > 0);
    ok(!bytes.includes(password) && !bytes.includes("vault"), "password or room name in clear");
  }
  {
    // The same request in plain shows both: the check above can see them.
    await using proxy = recordingProxy(test.tcpPort);
    const ticket = await requestRoom(
      { host: "127.0.0.1", port: proxy.port },
      Operation.JoinRoom,
      "vault",
      roomRequest("bob", { password, kaiwa: true }),
    );
    ticket.close();
    const bytes = sent.decode(proxy.sent());
    ok(bytes.includes(password) && bytes.includes("vault"));
  }
});
