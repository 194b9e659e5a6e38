/**
 * The server log's view of the state: each state event as the line an operator reads.
 *
 * @module
 */

import { describeClose, describeLeave } from "../protocol/mod.ts";
import type { Logger } from "./log.ts";
import { type StateEvents, tokenPrefix } from "./state/mod.ts";
import { preview } from "../util/mod.ts";

/**
 * State events written to `log`: rooms and members at info level, bindings and dropped datagrams
 * at verbose level only (a flood must not become a log flood). Names are quoted by their first 40
 * characters: a join flood with 255-byte names must not write 255-byte lines.
 */
export function stateLog(log: Logger): StateEvents {
  return {
    roomCreated: (room, host) =>
      log.info(`room "${preview(room.name)}" created by "${preview(host.name)}" from ${host.ip}`),
    memberJoined: (member) =>
      log.info(
        `"${preview(member.name)}" joined room "${preview(member.room.name)}" from ${member.ip}`,
      ),
    memberResumed: (member) =>
      log.info(
        `"${preview(member.name)}" resumed in room "${
          preview(member.room.name)
        }" from ${member.ip}`,
      ),
    memberBound: (member) => {
      if (!log.isVerbose) return;
      log.verbose(
        `"${preview(member.name)}" (${
          tokenPrefix(member.token)
        }) bound to udp port ${member.address?.port}`,
      );
    },
    memberTimedOut: (member) =>
      log.info(`"${preview(member.name)}" timed out in room "${preview(member.room.name)}"`),
    memberUnreachable: (member) =>
      log.info(`"${preview(member.name)}" is unreachable in room "${preview(member.room.name)}"`),
    memberLeft: (member, reason) =>
      log.info(
        `room "${preview(member.room.name)}": "${preview(member.name)}" ${describeLeave(reason)}`,
      ),
    roomClosed: (room, reason) =>
      log.info(`room "${preview(room.name)}" closed: ${describeClose(reason)}`),
    datagramDropped: (reason, from) => {
      if (log.isVerbose) log.verbose(`dropped a datagram from ${from}: ${reason}`);
    },
  };
}
