/**
 * The server log's view of the state: each state event as the line an operator reads.
 *
 * @module
 */

import { describeClose, describeLeave } from "../protocol/mod.ts";
import type { Logger } from "./log.ts";
import { type StateEvents, tokenPrefix } from "./state/mod.ts";

/**
 * State events written to `log`: rooms and members at info level, bindings and dropped datagrams
 * at verbose level only (a flood must not become a log flood).
 */
export function stateLog(log: Logger): StateEvents {
  return {
    roomCreated: (room, host) =>
      log.info(`room "${room.name}" created by "${host.name}" from ${host.ip}`),
    memberJoined: (member) =>
      log.info(`"${member.name}" joined room "${member.room.name}" from ${member.ip}`),
    memberResumed: (member) =>
      log.info(`"${member.name}" resumed in room "${member.room.name}" from ${member.ip}`),
    memberBound: (member) => {
      if (!log.isVerbose) return;
      log.verbose(
        `"${member.name}" (${tokenPrefix(member.token)}) bound to udp port ${member.address?.port}`,
      );
    },
    memberTimedOut: (member) =>
      log.info(`"${member.name}" timed out in room "${member.room.name}"`),
    memberUnreachable: (member) =>
      log.info(`"${member.name}" is unreachable in room "${member.room.name}"`),
    memberLeft: (member, reason) =>
      log.info(`room "${member.room.name}": "${member.name}" ${describeLeave(reason)}`),
    roomClosed: (room, reason) => log.info(`room "${room.name}" closed: ${describeClose(reason)}`),
    datagramDropped: (reason, from) => {
      if (log.isVerbose) log.verbose(`dropped a datagram from ${from}: ${reason}`);
    },
  };
}
