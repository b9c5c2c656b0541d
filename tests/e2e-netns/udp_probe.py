"""UDP measurement programs for the link emulator's namespace test.

Each subcommand runs inside one namespace and prints one JSON object on
stdout when it ends:

  echo   --bind ADDR:PORT --duration S
         send every datagram back to its sender; prints {"echoed": N}.
  ping   --target ADDR:PORT --count N --interval S --wait S
         send numbered probes and time the replies; prints
         {"sent": N, "rtt_ms": [...]} with one RTT per probe that got a reply.
  sink   --bind ADDR:PORT --idle S --duration S
         count numbered datagrams until S seconds pass without one; prints
         {"received": N, "unique": N, "bytes": N, "first_s": T, "last_s": T}.
  blast  --target ADDR:PORT --count N --interval S --size BYTES
         send N numbered datagrams of BYTES bytes, S seconds apart;
         prints {"sent": N, "bytes": N, "elapsed_s": T}.

echo and sink print "ready" on a line of its own once their socket is
bound, so the caller knows when to start the sender.
"""

import argparse
import json
import select
import socket
import struct
import sys
import time

# Sequence number (32 bits) and send time in nanoseconds (64 bits).
HEADER = struct.Struct("!IQ")


def parse_address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def print_ready():
    print("ready", flush=True)


def run_echo(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(parse_address(args.bind))
    print_ready()

    echoed = 0
    deadline = time.monotonic() + args.duration
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sock], [], [], remaining)
        if not readable:
            break
        data, peer = sock.recvfrom(65535)
        sock.sendto(data, peer)
        echoed += 1
    return {"echoed": echoed}


def run_ping(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(parse_address(args.target))
    padding = bytes(max(args.size - HEADER.size, 0))

    rtt_ms = {}
    sent = 0
    start = time.monotonic()
    next_send = start
    deadline = start + args.count * args.interval + args.wait
    while time.monotonic() < deadline and (sent < args.count or len(rtt_ms) < sent):
        now = time.monotonic()
        if sent < args.count and now >= next_send:
            sock.send(HEADER.pack(sent, time.monotonic_ns()) + padding)
            sent += 1
            next_send += args.interval
            continue

        wake = next_send if sent < args.count else deadline
        readable, _, _ = select.select([sock], [], [], max(wake - now, 0))
        if not readable:
            continue
        try:
            data = sock.recv(65535)
        except ConnectionRefusedError:
            continue
        received_ns = time.monotonic_ns()
        if len(data) < HEADER.size:
            continue
        sequence, sent_ns = HEADER.unpack_from(data)
        rtt_ms.setdefault(sequence, (received_ns - sent_ns) / 1e6)
    return {"sent": sent, "rtt_ms": [rtt_ms[k] for k in sorted(rtt_ms)]}


def run_sink(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind(parse_address(args.bind))
    print_ready()

    received = 0
    total_bytes = 0
    sequences = set()
    first = last = None
    deadline = time.monotonic() + args.duration
    while (now := time.monotonic()) < deadline:
        timeout = deadline - now if last is None else min(deadline - now, args.idle)
        readable, _, _ = select.select([sock], [], [], timeout)
        if not readable:
            if last is not None:
                break
            continue
        data = sock.recv(65535)
        arrival = time.monotonic()
        if len(data) < HEADER.size:
            continue
        first = arrival if first is None else first
        last = arrival
        received += 1
        total_bytes += len(data)
        sequences.add(HEADER.unpack_from(data)[0])
    return {"received": received, "unique": len(sequences), "bytes": total_bytes,
            "first_s": first, "last_s": last}


def run_blast(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(parse_address(args.target))
    padding = bytes(max(args.size - HEADER.size, 0))

    start = time.monotonic()
    for sequence in range(args.count):
        # Pace against the start time, so that a late wake-up does not
        # lower the average rate.
        delay = start + sequence * args.interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            sock.send(HEADER.pack(sequence, time.monotonic_ns()) + padding)
        except ConnectionRefusedError:
            pass
    elapsed = time.monotonic() - start
    return {"sent": args.count, "bytes": args.count * (HEADER.size + len(padding)),
            "elapsed_s": elapsed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    echo = commands.add_parser("echo")
    echo.add_argument("--bind", required=True)
    echo.add_argument("--duration", type=float, default=10.0)

    ping = commands.add_parser("ping")
    ping.add_argument("--target", required=True)
    ping.add_argument("--count", type=int, default=200)
    ping.add_argument("--interval", type=float, default=0.01)
    ping.add_argument("--wait", type=float, default=1.0)
    ping.add_argument("--size", type=int, default=64)

    sink = commands.add_parser("sink")
    sink.add_argument("--bind", required=True)
    sink.add_argument("--idle", type=float, default=0.5)
    sink.add_argument("--duration", type=float, default=10.0)

    blast = commands.add_parser("blast")
    blast.add_argument("--target", required=True)
    blast.add_argument("--count", type=int, required=True)
    blast.add_argument("--interval", type=float, required=True)
    blast.add_argument("--size", type=int, default=1000)

    args = parser.parse_args()
    runners = {"echo": run_echo, "ping": run_ping, "sink": run_sink, "blast": run_blast}
    print(json.dumps(runners[args.command](args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
