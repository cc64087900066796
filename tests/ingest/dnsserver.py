"""A DNS server on 127.0.0.1 for the SSRF tests, and a resolver that asks it.

The server answers A and AAAA questions over UDP from a script: for each name, a list of
answers given in turn (the last one repeats), so a test plays a rebinding attacker's name
server (a public address first, a private one next). The resolver is a stub that sends real
DNS packets to it, the way the system's resolver would to a configured name server.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Awaitable, Callable

import anyio

A, AAAA, IN = 1, 28, 1


def _encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def _read_name(packet: bytes, offset: int) -> tuple[str, int]:
    """A (possibly compressed) name at ``offset``: the name and the offset after it."""
    labels: list[str] = []
    end = None
    while True:
        length = packet[offset]
        if length & 0xC0 == 0xC0:  # a pointer
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | packet[offset + 1]
            continue
        offset += 1
        if length == 0:
            break
        labels.append(packet[offset : offset + length].decode("ascii"))
        offset += length
    return ".".join(labels), end if end is not None else offset


class DnsServer:
    """Answers from ``script``: name -> a list of answers (each a list of addresses)."""

    def __init__(self, script: dict[str, list[list[str]]]) -> None:
        self.script = {k.lower().rstrip("."): v for k, v in script.items()}
        self.asked: Counter[str] = Counter()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        self.sock.close()

    def _answers_for(self, name: str) -> list[str] | None:
        turns = self.script.get(name)
        if turns is None:
            return None
        index = min(self.asked[name], len(turns) - 1)
        self.asked[name] += 1
        return turns[index]

    def _serve(self) -> None:
        while not self._stop:
            try:
                packet, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(packet), peer)
            except (OSError, IndexError, struct.error, UnicodeDecodeError):
                continue

    def _answer(self, packet: bytes) -> bytes:
        ident = packet[:2]
        name, end = _read_name(packet, 12)
        qtype, _ = struct.unpack("!HH", packet[end : end + 4])
        question = packet[12 : end + 4]
        name = name.lower()
        found = self._answers_for(name) if qtype == A else self.script.get(name, [[]])[0]
        if found is None:
            return ident + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
        records = b""
        count = 0
        for address in found:
            ip = ipaddress.ip_address(address)
            kind = A if ip.version == 4 else AAAA
            if kind != qtype:
                continue
            records += struct.pack("!HHHIH", 0xC00C, kind, IN, 0, len(ip.packed)) + ip.packed
            count += 1
        return ident + struct.pack("!HHHHH", 0x8180, 1, count, 0, 0) + question + records


def resolver_for(server: DnsServer) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver (for ``Fetcher(resolver=...)``) that asks ``server`` for A records over UDP."""

    def ask(host: str) -> list[str]:
        ident = random.randrange(65536)
        query = (
            struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + _encode_name(host) + struct.pack("!HH", A, IN)
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2.0)
            sock.sendto(query, ("127.0.0.1", server.port))
            packet, _ = sock.recvfrom(4096)
        flags, _, answers = struct.unpack("!HHH", packet[2:8])
        if flags & 0x000F:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: no such name")
        _, offset = _read_name(packet, 12)
        offset += 4
        found = []
        for _ in range(answers):
            _, offset = _read_name(packet, offset)
            _, _, _, length = struct.unpack("!HHIH", packet[offset : offset + 10])
            offset += 10
            found.append(str(ipaddress.ip_address(packet[offset : offset + length])))
            offset += length
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: no address")
        return found

    async def resolve(host: str, port: int) -> list[str]:
        return await anyio.to_thread.run_sync(ask, host)

    return resolve
