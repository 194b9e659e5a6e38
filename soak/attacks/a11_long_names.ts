/**
 * Attack 11: a join flood with 255-byte usernames. The server logs every join with the name
 * (`"<name>" joined room "<room>" from <ip>`): the log grows as fast as the attacker sends.
 *
 * @module
 */

import { joinFlood } from "./join_flood.ts";
import { linesDuring, logBytes } from "./log_figures.ts";
import { paddedName } from "./request_flood.ts";
import type { Attack } from "./types.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const IPS = 50;
const NAME_BYTES = 255;
/**
 * The tool's own bar, not issue 10's: a flood should cost the log at most a tenth of what the
 * attacker sends, so that a disk outlasts any network flood by far.
 */
const MAX_LOG_PER_ATTACK_BYTE = 0.1;
const MB = 1_000_000;

/** See the module comment. */
export const longNamesAttack: Attack = {
  id: 11,
  title: "join flood, 255-byte names, 50 IPs",
  server: {},
  async run(ctx) {
    let attackBytes = 0;
    const { value: flood, lines } = await linesDuring(ctx.log, async () => {
      const result = await joinFlood(ctx, {
        prefix: "long",
        ips: IPS,
        username: (i) => paddedName(i, NAME_BYTES),
      });
      attackBytes = ctx.traffic.bytes;
      return result;
    });
    const logged = logBytes(lines);
    const seconds = ctx.durationMs / MS_PER_SECOND;
    return {
      text: `${flood.granted} joins; ${(logged / MB).toFixed(1)} MB logged ` +
        `(${(logged / MB / seconds).toFixed(2)} MB/s), ` +
        `${(logged / attackBytes).toFixed(2)} log bytes per attack byte`,
      concern: logged / attackBytes > MAX_LOG_PER_ATTACK_BYTE
        ? `log grows ${(logged / attackBytes).toFixed(2)} B per attack byte`
        : undefined,
      values: { joins: flood.granted, logBytes: logged, attackBytes, ratio: logged / attackBytes },
    };
  },
};
