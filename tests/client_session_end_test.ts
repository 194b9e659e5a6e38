/**
 * A lost connection is reported with the session's own silence limit, not the default one.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { ChatView } from "../client/interactive/chat_view.ts";
import { ChatSession } from "../client/session.ts";
import { endMessage } from "../client/session_end.ts";
import { FakeClock } from "./server_helpers.ts";

// Local time 09:05, whatever the time zone the tests run in.
const TIME = new Date(2024, 0, 1, 9, 5).getTime();
const SEVEN_SECONDS = 7_000;
const SERVER: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: 9 };

/** A UDP socket to a server that never answers: sends vanish, receive waits until close. */
class SilentSocket {
  #closed: (error: Error) => void = () => {};
  readonly #receiving = new Promise<never>((_, reject) => this.#closed = reject);

  send(): Promise<number> {
    return Promise.resolve(0);
  }

  receive(): Promise<never> {
    return this.#receiving;
  }

  close(): void {
    this.#closed(new Deno.errors.BadResource("closed"));
  }
}

Deno.test("a lost connection says the session's own silence limit", {
  permissions: "none",
}, async () => {
  const clock = new FakeClock();
  const session = new ChatSession({
    socket: new SilentSocket() as unknown as Deno.DatagramConn,
    server: SERVER,
    roomName: "r",
    username: "ann",
    token: "t",
    onEvent: () => {},
    clock: clock.now,
    tickMs: 5,
    liveness: { pingIntervalMs: 1_000, silenceLimitMs: SEVEN_SECONDS },
  });
  const running = session.run();
  clock.advance(SEVEN_SECONDS);
  const end = await running;
  deepStrictEqual(end, { kind: "lost" });
  strictEqual(
    endMessage(end, session.silenceLimitMs),
    "Connection lost: the server has not answered for 7 seconds",
  );
  const view = new ChatView({
    room: "r",
    name: "ann",
    created: false,
    style: { color: "none" },
    silenceLimitMs: session.silenceLimitMs,
    clock: () => TIME,
  });
  deepStrictEqual(view.endLines(end, TIME), [
    "09:05 * Connection lost: the server has not answered for 7 seconds",
  ]);
});
