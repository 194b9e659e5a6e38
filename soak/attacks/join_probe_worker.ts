/**
 * The legitimate joiner, in its own worker so that an attacker busy in the main thread cannot
 * delay its timers: one request a second, in turn a create, a join and a password join, each
 * timed from connecting to holding the token.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { requestToken } from "../../bench/tcrp_client.ts";
import { encodeClientDatagram, encodeUtf8, STANDARD_EXIT_MESSAGE } from "../../protocol/mod.ts";
import { SERVER_HOST } from "./loopback.ts";
import type { ProbeCommand, ProbeKind, ProbeReply } from "./join_probe_messages.ts";

const KINDS: readonly ProbeKind[] = ["create", "join", "password"];

self.onmessage = async (event: MessageEvent<ProbeCommand>) => {
  const command = event.data;
  const latencies: number[] = [];
  const failures: Record<ProbeKind, number> = { create: 0, join: 0, password: 0 };
  const reasons: string[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let n = 0; performance.now() - start < command.durationMs; n++) {
    const kind = KINDS[n % KINDS.length];
    pending.push(
      probe(command, kind, n).then(
        (ms) => void latencies.push(ms),
        (error) => {
          failures[kind]++;
          if (reasons.length < command.keepReasons) reasons.push(`${kind}: ${String(error)}`);
        },
      ),
    );
    const next = (n + 1) * command.intervalMs;
    await new Promise((resolve) => setTimeout(resolve, next - (performance.now() - start)));
  }
  await Promise.all(pending);
  const reply: ProbeReply = { latencies, failures, reasons };
  self.postMessage(reply);
  self.close();
};

async function probe(command: ProbeCommand, kind: ProbeKind, n: number): Promise<number> {
  const begin = performance.now();
  const roomName = kind === "create"
    ? `${command.prefix}new${n}`
    : kind === "join"
    ? command.joinRoom
    : command.passwordRoom;
  const token = await requestToken(SERVER_HOST, command.port, {
    create: kind === "create",
    roomName,
    username: `${command.prefix}${n}`,
    udpPort: null,
    password: kind === "password" ? command.password : undefined,
  }, command.deadlineMs);
  const ms = performance.now() - begin;
  // A person who creates a room uses it and leaves: the probe leaves at once (which closes its
  // room), so that its own rooms never count against the per-IP room limit as an attacker's do.
  if (kind === "create") await leave(command.port, roomName, token);
  return ms;
}

/** Sends the standard `/exit` for `token` from a fresh UDP socket, which binds and leaves. */
async function leave(port: number, roomName: string, token: string): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: SERVER_HOST, port: 0 });
  try {
    const datagram = encodeClientDatagram(
      encodeUtf8(roomName),
      encodeUtf8(token),
      encodeUtf8(STANDARD_EXIT_MESSAGE),
    );
    await socket.send(datagram, { transport: "udp", hostname: SERVER_HOST, port });
  } finally {
    socket.close();
  }
}
