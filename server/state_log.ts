/**
 * The server log's view of the state: each state event as the line an operator reads.
 *
 * @module
 */

import { describeClose, describeLeave } from "../protocol/mod.ts";
import type { LogFields, Logger } from "./log.ts";
import { type Member, type StateEvents, tokenPrefix } from "./state/mod.ts";
import { preview } from "../util/mod.ts";

/**
 * State events written to `log`: rooms and members at info level, bindings and dropped datagrams
 * at verbose level only (a flood must not become a log flood). Names are quoted by their first 40
 * characters: a join flood with 255-byte names must not write 255-byte lines.
 */
export function stateLog(log: Logger): StateEvents {
  return {
    roomCreated: (room, host) =>
      log.info(
        `room ${quoted(room.name)} created by ${quoted(host.name)} from ${host.ip}`,
        { event: "room created", room: room.name, member: host.name, address: host.ip },
      ),
    memberJoined: (member) =>
      log.info(
        `${quoted(member.name)} joined room ${quoted(member.room.name)} from ${member.ip}`,
        memberFields("member joined", member, { address: member.ip }),
      ),
    memberResumed: (member) =>
      log.info(
        `${quoted(member.name)} resumed in room ${quoted(member.room.name)} from ${member.ip}`,
        memberFields("member resumed", member, { address: member.ip }),
      ),
    memberBound: (member) => {
      if (!log.isVerbose) return;
      const token = tokenPrefix(member.token);
      log.verbose(
        `${quoted(member.name)} (${token}) bound to udp port ${member.address?.port}`,
        memberFields("member bound", member, {
          address: member.address?.hostname ?? member.ip,
          port: member.address?.port ?? 0,
          token,
        }),
      );
    },
    memberTimedOut: (member) =>
      log.info(
        `${quoted(member.name)} timed out in room ${quoted(member.room.name)}`,
        memberFields("member timed out", member, { address: member.ip }),
      ),
    memberUnreachable: (member) =>
      log.info(
        `${quoted(member.name)} is unreachable in room ${quoted(member.room.name)}`,
        memberFields("member unreachable", member, { address: member.ip }),
      ),
    memberLeft: (member, reason) =>
      log.info(
        `room ${quoted(member.room.name)}: ${quoted(member.name)} ${describeLeave(reason)}`,
        memberFields("member left", member, { reason: describeLeave(reason) }),
      ),
    roomClosed: (room, reason) =>
      log.info(
        `room ${quoted(room.name)} closed: ${describeClose(reason)}`,
        { event: "room closed", room: room.name, reason: describeClose(reason) },
      ),
    datagramDropped: (reason, from) => {
      if (log.isVerbose) {
        log.verbose(`dropped a datagram from ${from}: ${reason}`, {
          event: "datagram dropped",
          address: from,
          reason,
        });
      }
    },
  };
}

/** The fields of a line about `member`: the event, its room and name, and `more`. */
function memberFields(event: string, member: Member, more: LogFields): LogFields {
  return { event, room: member.room.name, member: member.name, ...more };
}

/**
 * A name as the log shows it: its first 40 characters as a JSON string, so that a name holding a
 * quote cannot make a line read as another event.
 */
function quoted(name: string): string {
  return JSON.stringify(preview(name));
}
