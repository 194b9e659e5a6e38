/**
 * The few libc calls the fast UDP path needs, through Deno's FFI (Linux only, `--allow-ffi`).
 *
 * @module
 */

/** `AF_INET` (<sys/socket.h>). */
export const AF_INET = 2;
/** `SOL_SOCKET`. */
export const SOL_SOCKET = 1;
/** `SO_TYPE`. */
export const SO_TYPE = 3;
/** `SO_RCVBUF`: the socket's receive buffer, in bytes (socket(7)). */
export const SO_RCVBUF = 8;
/** `SOCK_DGRAM`. */
export const SOCK_DGRAM = 2;
/** `SOCK_NONBLOCK`, or-ed into `socket(2)`'s type: the socket never blocks. */
export const SOCK_NONBLOCK = 0o4000;
/** `SOCK_CLOEXEC` (also `EPOLL_CLOEXEC`): a child process does not inherit the descriptor. */
export const SOCK_CLOEXEC = 0o2000000;
/** `EPOLL_CTL_ADD` (<sys/epoll.h>). */
export const EPOLL_CTL_ADD = 1;
/** `EPOLLIN`: readable. */
export const EPOLLIN = 0x1;
/** `MSG_DONTWAIT`: never block the event loop, even if the socket were blocking. */
export const MSG_DONTWAIT = 0x40;
/** `MSG_TRUNC` in `msg_flags`: the datagram was longer than the buffer. */
export const MSG_TRUNC = 0x20;
/** `MSG_ERRQUEUE`: read the socket's error queue instead of its datagrams. */
export const MSG_ERRQUEUE = 0x2000;
/** `SOL_IP` (= `IPPROTO_IP`): the level of `IP_RECVERR`, as option and as control message. */
export const SOL_IP = 0;
/** `IP_RECVERR`: queue ICMP errors with the address they concern (ip(7)). */
export const IP_RECVERR = 11;
/** errno values the fast path tells apart. */
export const Errno = {
  EINTR: 4,
  EAGAIN: 11,
  ENETUNREACH: 101,
  ENOBUFS: 105,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
} as const;

const LIBC_PATH = "libc.so.6";
/** The CPU architectures whose `struct mmsghdr` layout {@link MmsgSender} writes (LP64, LE). */
const SUPPORTED_ARCHS: readonly string[] = ["x86_64", "aarch64"];

const SYMBOLS = {
  // int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags)
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  // int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags,
  //              struct timespec *timeout)
  recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "pointer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen)
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  // ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags)
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  __errno_location: { parameters: [], result: "pointer" },
  // The benchmark's load generator opens and drives its members' sockets itself (bench/).
  // int socket(int domain, int type, int protocol)
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen)
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  // int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout): blocks the
  // calling thread, which a benchmark worker has to itself.
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
} as const;

/** The opened library: its calls and the calling thread's errno. */
export interface Libc {
  /** The bound functions. */
  readonly symbols: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
  /** errno of this thread, as the last failed call left it. */
  errno(): number;
  /** Unloads the library. */
  close(): void;
}

/** Why the batched sender cannot run here, or null when it can. */
export function unavailableReason(): string | null {
  if (Deno.build.os !== "linux") return `it needs Linux, this is ${Deno.build.os}`;
  if (!SUPPORTED_ARCHS.includes(Deno.build.arch)) return `unsupported CPU ${Deno.build.arch}`;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return "it needs --allow-ffi";
  }
  return null;
}

/**
 * Opens libc.
 *
 * @throws {Error} when the library or a symbol cannot be loaded.
 */
export function openLibc(): Libc {
  const library = Deno.dlopen(LIBC_PATH, SYMBOLS);
  const location = library.symbols.__errno_location();
  if (location === null) {
    library.close();
    throw new Error("Cannot locate errno: __errno_location returned null");
  }
  const errnoView = new Deno.UnsafePointerView(location);
  return {
    symbols: library.symbols,
    errno: () => errnoView.getInt32(),
    close: () => library.close(),
  };
}
