"""Run localstripe (a fake Stripe server from PyPI) on 127.0.0.1 for the tests.

``python localstripe_server.py`` binds 127.0.0.1 on a free port, prints that port on
the first line of stdout and serves until it is killed. Two changes to how localstripe
runs on its own: it listens on loopback only (its own ``start()`` binds every
interface), and it keeps its state in memory (its own store pickles itself to a fixed
file in /tmp after every write, which two test workers would share).
"""

from __future__ import annotations

import socket
import sys

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    sys.exit(main())
