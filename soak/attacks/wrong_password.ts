/**
 * Attacks 2 and 3: joins with a wrong password to a password room the attacker created, 20 a
 * second from each of 1 or 40 IPs. Each costs the server one scrypt hash (16 MiB, tens of ms of
 * a core) before it can answer "wrong password"; unanswered requests keep their connections
 * open, so from 40 IPs the connection cap fills.
 *
 * @module
 */

import { Operation, Status } from "../../protocol/mod.ts";
import { otherIp } from "./loopback.ts";
import type { Traffic } from "./pace.ts";
import { rawExchange } from "./raw_tcrp.ts";
import { formatStatuses, requestFlood, statusValues } from "./request_flood.ts";
import type { Attack } from "./types.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const ROOM = "pw-attack";
const PASSWORD = "right-password";
const WRONG = "wrong-password";
/** The per-IP rate the issue measured: the server's default --join-rate lets all through. */
const ATTEMPTS_PER_IP_PER_SECOND = 20;
/** Above the server's 32 per IP and 1,024 in all, so that its caps, not ours, bind. */
const IN_FLIGHT_PER_IP = 40;
const MAX_ATTEMPTS = 200_000;
const SETUP_TIMEOUT_MS = 10_000;

/** The wrong-password attack from `ipCount` IPs. */
export function wrongPasswordAttack(id: number, ipCount: number): Attack {
  return {
    id,
    title: `wrong-password joins, 20/s per IP, ${ipCount} IP${ipCount === 1 ? "" : "s"}`,
    server: {},
    async run(ctx) {
      await createRoom(ctx.port, ctx.traffic);
      const ips = Array.from({ length: ipCount }, (_, i) => otherIp(i));
      const flood = await ctx.window((signal) =>
        requestFlood({
          port: ctx.port,
          traffic: ctx.traffic,
          signal,
          ips,
          ratePerIp: ATTEMPTS_PER_IP_PER_SECOND,
          maxCount: MAX_ATTEMPTS,
          maxInFlight: IN_FLIGHT_PER_IP * ipCount,
          request: (i) => ({
            create: false,
            room: ROOM,
            request: { username: `w${i}`, password: WRONG, eventFormat: 0 },
          }),
        })
      );
      const rejected = flood.statuses[String(Status.WrongPassword)] ?? 0;
      const perSecond = rejected / (ctx.durationMs / MS_PER_SECOND);
      return {
        text: `${flood.started} attempts; ${perSecond.toFixed(1)} wrong-password answers/s ` +
          `(≈ scrypt hashes/s); statuses ${formatStatuses(flood.statuses)}`,
        concern: concern(flood.started, rejected, flood.statuses.none ?? 0),
        values: { attempts: flood.started, hashesPerSecond: perSecond, ...statusValues(flood) },
      };
    },
  };
}

/** Share of attempts that, all answered "wrong password", show no throttle on failures. */
const UNTHROTTLED_SHARE = 0.9;
/** Share of attempts closed unanswered that shows the connection cap full. */
const CAP_FULL_SHARE = 0.5;

function concern(attempts: number, rejected: number, unanswered: number): string | undefined {
  if (rejected >= UNTHROTTLED_SHARE * attempts) return "every wrong password hashed";
  if (unanswered >= CAP_FULL_SHARE * attempts) return "attackers fill the connection cap";
  return undefined;
}

async function createRoom(port: number, traffic: Traffic): Promise<void> {
  const outcome = await rawExchange({
    localAddress: otherIp(0),
    port,
    operation: Operation.CreateRoom,
    room: ROOM,
    request: { username: "owner", password: PASSWORD, eventFormat: 0 },
    timeoutMs: SETUP_TIMEOUT_MS,
    traffic,
  });
  if (outcome.token === null) throw new Error(`cannot create ${ROOM}: status ${outcome.status}`);
}
