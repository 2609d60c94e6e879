#!/usr/bin/env python3
"""TCP throughput between two hosts, for checking a link before hvd4j runs on it.

  tcp-rate.py listen ADDR PORT [CONNECTIONS]   accept CONNECTIONS (1) senders, one at a time;
                                               print "PEER BYTES SECONDS MB/s" for each
  tcp-rate.py send ADDR PORT SECONDS           send zeros for SECONDS (connects within 10 s)

The receiver times from the first byte to the sender's end of stream; MB/s is 10^6 bytes of TCP
payload per second.
"""
import socket
import sys
import time


def listen(addr, port, connections):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    print("listening", flush=True)
    buf = memoryview(bytearray(1 << 20))
    for _ in range(connections):
        conn, peer = srv.accept()
        total, start = 0, None
        while True:
            k = conn.recv_into(buf)
            if not k:
                break
            if start is None:
                start = time.perf_counter()
            total += k
        secs = time.perf_counter() - start if start else 0.0
        conn.close()
        print(f"{peer[0]} {total} {secs:.3f} {total / secs / 1e6 if secs else 0:.1f}", flush=True)


def send(addr, port, seconds):
    deadline = time.monotonic() + 10
    while True:
        try:
            conn = socket.create_connection((addr, port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    data = bytes(1 << 20)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)
    conn.recv(1)  # the receiver closes once it has read everything
    conn.close()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "listen":
        listen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)
