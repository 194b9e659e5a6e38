/**
 * Attack 7: members that never send a datagram. Each costs the server memory until its
 * --timeout (300 s by default); nothing caps the total but --max-rooms × --max-room-members.
 *
 * @module
 */

import { joinFlood } from "./join_flood.ts";
import { OTHER_IPS } from "./loopback.ts";
import { formatStatuses } from "./request_flood.ts";
import type { Attack } from "./types.ts";

const MIB = 1024 * 1024;
const KIB = 1024;

/** See the module comment. */
export const silentAttack: Attack = {
  id: 7,
  title: "silent members from 249 IPs",
  server: {},
  async run(ctx) {
    const before = await ctx.serverRss();
    const flood = await joinFlood(ctx, {
      prefix: "silent",
      ips: OTHER_IPS,
      username: (i) => `s${i}`,
    });
    const after = await ctx.serverRss();
    const grown = before === null || after === null ? null : after - before;
    const perMember = grown === null || flood.granted === 0 ? null : grown / flood.granted;
    return {
      text:
        `${flood.granted} members admitted; RSS ${
          grown === null ? "?" : `+${(grown / MIB).toFixed(0)} MiB`
        } (${perMember === null ? "?" : (perMember / KIB).toFixed(1)} KiB each); ` +
        `statuses ${formatStatuses(flood.statuses)}`,
      // Nothing refused means nothing bounded the flood but the window's length.
      concern: flood.granted === flood.started ? "silent members uncapped" : undefined,
      values: { admitted: flood.granted, rssGrowthBytes: grown, bytesPerMember: perMember },
    };
  },
};
