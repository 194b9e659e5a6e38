/**
 * Attack 10: 1,024 connections (32 from each of 32 IPs: the per-IP and total caps) each holding
 * a request that declares a 64 KiB payload and sends all but its last byte. Until the request
 * deadline (5 s) closes them, the server buffers 64 MiB and refuses every other connection;
 * the attacker reconnects at once.
 *
 * @module
 */

import { encodeTcrpFrame, Operation, State } from "../../protocol/mod.ts";
import { otherIp } from "./loopback.ts";
import { sleep } from "./pace.ts";
import { connected, connectFrom } from "./raw_tcrp.ts";
import type { Attack } from "./types.ts";

const IPS = 32;
const PER_IP = 32;
/** The default payload limit: the largest request the server will buffer. */
const PAYLOAD_BYTES = 64 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
/** After a refused or failed connection, before the next try, so as not to spin. */
const RETRY_MS = 100;
/** Most connections one slot opens in a window. */
const MAX_PER_SLOT = 1_000;

/** See the module comment. */
export const partialRequestAttack: Attack = {
  id: 10,
  title: "1,024 connections holding 64 KiB partial requests",
  server: {},
  async run(ctx) {
    const frame = encodeTcrpFrame({
      operation: Operation.CreateRoom,
      state: State.Request,
      roomName: "",
      payload: new Uint8Array(PAYLOAD_BYTES),
    });
    const partial = frame.subarray(0, frame.length - 1);
    let holding = 0;
    let peak = 0;
    let opened = 0;
    const slot = async (ip: string, signal: AbortSignal) => {
      for (let n = 0; n < MAX_PER_SLOT && !signal.aborted; n++) {
        const socket = connectFrom(ip, ctx.port, ctx.traffic);
        const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
        if (!(await connected(socket, CONNECT_TIMEOUT_MS))) {
          socket.destroy();
          await sleep(RETRY_MS, signal);
          continue;
        }
        opened++;
        socket.write(partial);
        ctx.traffic.add(partial.length);
        holding++;
        peak = Math.max(peak, holding);
        const onAbort = () => socket.destroy();
        signal.addEventListener("abort", onAbort, { once: true });
        await closed;
        signal.removeEventListener("abort", onAbort);
        holding--;
        await sleep(RETRY_MS, signal);
      }
    };
    await ctx.window((signal) =>
      Promise.all(
        Array.from({ length: IPS * PER_IP }, (_, s) => slot(otherIp(s % IPS), signal)),
      )
    );
    return {
      text: `${opened} connections opened, up to ${peak} held at once ` +
        `(legit refusals: see join failures)`,
      values: { opened, peakHeld: peak },
    };
  },
};
