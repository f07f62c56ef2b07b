#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tcploop - the corpus's loopback networking workload: a TCP server and a
client (two processes) on 127.0.0.1.  Phase 1 streams MB megabytes in chunks
of mixed sizes; phase 2 does PINGS request/response round trips of 100-byte
requests and 2-byte answers.

    python3 tcploop.py [MB [PINGS]]
"""
import os
import socket
import sys

mb = int(sys.argv[1]) if len(sys.argv) > 1 else 64
pings = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        b = sock.recv(n - len(buf))
        if not b:
            return None
        buf += b
    return buf


srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(2)
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:
    c, _ = srv.accept()         # phase 1: bulk
    while c.recv(65536):
        pass
    c.close()
    c, _ = srv.accept()         # phase 2: ping-pong
    while recv_exact(c, 100):
        c.sendall(b"ok")
    c.close()
    os._exit(0)

s = socket.create_connection(("127.0.0.1", port))
total = mb << 20
sent = 0
sizes = [100, 1500, 4096, 16384, 65536]
i = 0
while sent < total:
    n = sizes[i % len(sizes)]
    i += 1
    s.sendall(b"x" * n)
    sent += n
s.close()
s = socket.create_connection(("127.0.0.1", port))
for _ in range(pings):
    s.sendall(b"p" * 100)
    recv_exact(s, 2)
s.close()
os.waitpid(pid, 0)
print(sent, pings)
