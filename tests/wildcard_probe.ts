/**
 * Run by tests/server_wildcard_test.ts inside a private network namespace whose loopback holds
 * 10.77.0.1 and 10.77.0.2: a server on the wildcard host, a standard member at 10.77.0.1 that
 * joins and chats through 10.77.0.2. Prints, as JSON, the address each reply came from.
 *
 * @module
 */

import * as net from "node:net";
import {
  decodeStatus,
  decodeToken,
  encodeClientDatagram,
  encodeRoomRequest,
  encodeTcrpFrame,
  Operation,
  State,
  TcrpFrameReader,
} from "../protocol/mod.ts";
import { DEFAULT_SERVE_OPTIONS, startServer } from "../server/mod.ts";

const CLIENT = "10.77.0.1";
const SERVER = "10.77.0.2";
const encoder = new TextEncoder();
/**
 * How long a reply may take before the probe gives up: as server_helpers.ts's RECEIVE_TIMEOUT_MS
 * (not imported: that module reads the environment, which this process may not). Generous: it
 * costs nothing when the reply comes, and CI shares 2 cores with other work.
 */
const RECEIVE_TIMEOUT_MS = 10_000;

/** Joins (or creates) `room` as `name` from CLIENT through SERVER; returns the token. */
function tcrp(port: number, operation: number, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: SERVER, port, localAddress: CLIENT });
    const reader = new TcrpFrameReader();
    const frames: ReturnType<TcrpFrameReader["push"]> = [];
    socket.on("error", reject);
    socket.on("data", (chunk: Uint8Array) => {
      frames.push(...reader.push(chunk));
      if (frames.length === 1 && decodeStatus(frames[0]) !== 0) reject(new Error("refused"));
      if (frames.length === 2) {
        socket.destroy();
        resolve(decodeToken(frames[1]));
      }
    });
    socket.write(encodeTcrpFrame({
      operation,
      state: State.Request,
      roomName: "r",
      payload: encodeRoomRequest({ username: name, password: null, eventFormat: 0 }),
    }));
  });
}

const server = await startServer({
  ...DEFAULT_SERVE_OPTIONS,
  host: "0.0.0.0",
  port: 0,
  logLevel: "quiet",
  joinRate: 0,
});
const port = server.udpAddr.port;
const to = { transport: "udp" as const, hostname: SERVER, port };
const ann = Deno.listenDatagram({ hostname: CLIENT, port: 0, transport: "udp" });
const bob = Deno.listenDatagram({ hostname: CLIENT, port: 0, transport: "udp" });
const datagram = (token: string, text: string) =>
  encodeClientDatagram(encoder.encode("r"), encoder.encode(token), encoder.encode(text));
const receive = async (socket: Deno.DatagramConn) => {
  const timer = setTimeout(() => socket.close(), RECEIVE_TIMEOUT_MS);
  const [bytes, from] = await socket.receive();
  clearTimeout(timer);
  return { text: new TextDecoder().decode(bytes), from: (from as Deno.NetAddr).hostname };
};
try {
  const annToken = await tcrp(server.tcpAddr.port, Operation.CreateRoom, "ann");
  const bobToken = await tcrp(server.tcpAddr.port, Operation.JoinRoom, "bob");
  await ann.send(datagram(annToken, ""), to);
  await bob.send(datagram(bobToken, ""), to);
  const joined = await receive(ann);
  await bob.send(datagram(bobToken, "hello"), to);
  const chat = await receive(ann);
  console.log(JSON.stringify({ joined, chat }));
} finally {
  ann.close();
  bob.close();
  await server.close();
}
