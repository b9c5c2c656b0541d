"""End-to-end test of ss-linkem between real network namespaces.

Builds left -- mid -- right (tests/tools/netns.py) with ss-linkem in mid,
then measures with UDP (udp_probe.py) from left to right:

  delay  --delay 40: 200 echo probes, every RTT within 80 ms +- 5 ms.
  loss   --loss 5: 2,000 datagrams, 2 % to 8 % lost, matching ss-linkem's
         loss counter.
  rate   --rate 400: a 2-second burst at 2 Mbit/s arrives at 400 kbit/s
         +- 10 %, counted in Ethernet frame bits as ss-linkem counts them.

The delay probes and ss-linkem run with SCHED_FIFO priority (chrt,
--realtime), so that other work on the host does not add to the RTT.

Exits 0 when every check passes, 1 when one fails, and 77 (skipped) when
network namespaces cannot be created, for example without root. It took
7 seconds on a 2-core test machine.
"""

import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))

import netns  # noqa: E402

EXIT_SKIP = 77
PYTHON = "/usr/bin/python3"
PROBE = str(HERE / "udp_probe.py")
# The delay probes and ss-linkem run with real-time priority, so that
# other work on the host does not show up as link delay.
REALTIME = ["chrt", "--fifo", "5"]
SUBNET = "10.77.1"
READY_TIMEOUT_S = 5.0

# Ethernet (14), IPv4 (20) and UDP (8) headers around each datagram.
FRAME_OVERHEAD_BYTES = 42


class CheckFailed(Exception):
    pass


def check(condition, message):
    status = "ok  " if condition else "FAIL"
    print(f"  {status} {message}", flush=True)
    if not condition:
        raise CheckFailed(message)


def start_listener(topology, namespace, argv, prefix=()):
    """Start a udp_probe.py listener and wait for its "ready" line."""
    process = topology.popen(namespace, [*prefix, PYTHON, PROBE, *argv],
                             stdout=subprocess.PIPE, text=True)
    readable, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT_S)
    line = process.stdout.readline().strip() if readable else ""
    if line != "ready":
        topology.stop_process(process)
        raise netns.NetnsError(f"udp_probe.py {argv[0]} in {namespace} did not start "
                               f"(output {line!r})")
    return process


def collect(topology, process, timeout):
    """Wait for a udp_probe.py process and return its JSON result."""
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        topology.stop_process(process)
    return json.loads(output.strip().splitlines()[-1])


def run_probe(topology, namespace, argv, timeout, prefix=()):
    result = topology.run(namespace, [*prefix, PYTHON, PROBE, *argv], timeout=timeout)
    return json.loads(result.stdout.strip().splitlines()[-1])


def check_clean_counters(counters):
    for direction in ("a_to_b", "b_to_a"):
        c = counters[direction]
        check(c["dropped_socket"] == 0 and c["send_errors"] == 0
              and c["dropped_no_buffer"] == 0 and c["dropped_oversize"] == 0,
              f"{direction}: no socket drops, send errors, buffer shortage or oversize frames")


def scenario_delay(topology, pair, linkem_path):
    print("delay: --delay 40 each way, 200 UDP echo probes 10 ms apart", flush=True)
    linkem = topology.start_linkem(pair, linkem_path,
                                   ["--delay", "40", "--seed", "1", "--realtime"])
    target = f"{pair.right_address}:7001"
    echo = start_listener(topology, pair.right, ["echo", "--bind", target, "--duration", "8"],
                          prefix=REALTIME)

    # The first probes also resolve the neighbours' MAC addresses with ARP
    # through ss-linkem.
    warm_up = run_probe(topology, pair.left, ["ping", "--target", target, "--count", "3",
                                              "--interval", "0.1", "--wait", "1"], timeout=5)
    check(len(warm_up["rtt_ms"]) >= 1, "ARP resolved and warm-up probes answered through ss-linkem")

    result = run_probe(topology, pair.left, ["ping", "--target", target, "--count", "200",
                                             "--interval", "0.01", "--wait", "1"], timeout=10,
                       prefix=REALTIME)
    topology.stop_process(echo)
    report = linkem.counters()
    counters = linkem.stop()

    rtts = result["rtt_ms"]
    answered = len(rtts)
    print(f"  {answered}/{result['sent']} probes answered; RTT min {min(rtts, default=0):.2f}, "
          f"median {statistics.median(rtts) if rtts else 0:.2f}, "
          f"mean {statistics.fmean(rtts) if rtts else 0:.2f}, "
          f"max {max(rtts, default=0):.2f} ms", flush=True)
    late = sum(counters[d]["late_releases"] for d in ("a_to_b", "b_to_a"))
    lateness_ms = max(counters[d]["max_lateness_us"] for d in ("a_to_b", "b_to_a")) / 1000
    print(f"  ss-linkem released {late} frames more than 1 ms late, the latest by "
          f"{lateness_ms:.2f} ms", flush=True)
    check(report["final"] is False and report["a_to_b"]["forwarded"] > 0,
          "SIGUSR1 printed a counter report while running")
    slowest = sorted(range(answered), key=lambda i: rtts[i])[-3:]
    print("  slowest probes: " + ", ".join(f"#{i} {rtts[i]:.2f} ms" for i in reversed(slowest)),
          flush=True)
    check(answered == 200, "all 200 probes answered")
    check(all(75.0 <= rtt <= 85.0 for rtt in rtts), "every RTT within 80 ms +- 5 ms")
    check(counters["a_to_b"]["forwarded"] >= 203 and counters["b_to_a"]["forwarded"] >= 203,
          "ss-linkem forwarded the probes and replies both ways")
    check_clean_counters(counters)


def scenario_loss(topology, pair, linkem_path):
    print("loss: --loss 5, 2,000 datagrams left to right, 0.5 ms apart", flush=True)
    linkem = topology.start_linkem(pair, linkem_path, ["--loss", "5", "--seed", "2"])
    target = f"{pair.right_address}:7002"
    sink = start_listener(topology, pair.right, ["sink", "--bind", target, "--idle", "0.5",
                                                 "--duration", "8"])

    sent = run_probe(topology, pair.left, ["blast", "--target", target, "--count", "2000",
                                           "--interval", "0.0005", "--size", "200"], timeout=10)
    received = collect(topology, sink, timeout=10)
    counters = linkem.stop()

    lost = sent["sent"] - received["unique"]
    ratio = lost / sent["sent"]
    dropped = counters["a_to_b"]["dropped_loss"]
    print(f"  {received['unique']}/{sent['sent']} datagrams arrived, {lost} lost "
          f"({ratio * 100:.2f} %); ss-linkem dropped {dropped} frames left to right",
          flush=True)
    check(0.02 <= ratio <= 0.08, "loss between 2 % and 8 %")
    check(received["received"] == received["unique"], "no datagram arrived twice")
    # Every lost datagram is a frame ss-linkem dropped. Any other dropped
    # frames are ARP, a few at most.
    check(lost <= dropped <= lost + 5, "ss-linkem's loss counter matches the datagrams lost")
    check_clean_counters(counters)


def scenario_rate(topology, pair, linkem_path):
    payload = 1000
    frame_bits = (payload + FRAME_OVERHEAD_BYTES) * 8
    interval = frame_bits / 2_000_000
    count = round(2.0 / interval)
    print(f"rate: --rate 400, {count} datagrams of {payload} bytes in 2 s (2 Mbit/s of frames)",
          flush=True)
    linkem = topology.start_linkem(pair, linkem_path, ["--rate", "400", "--seed", "3"])
    target = f"{pair.right_address}:7003"
    sink = start_listener(topology, pair.right, ["sink", "--bind", target, "--idle", "0.5",
                                                 "--duration", "8"])

    sent = run_probe(topology, pair.left, ["blast", "--target", target, "--count", str(count),
                                           "--interval", f"{interval:.6f}",
                                           "--size", str(payload)], timeout=10)
    received = collect(topology, sink, timeout=10)
    counters = linkem.stop()

    offered_kbit = sent["sent"] * frame_bits / sent["elapsed_s"] / 1000
    # Bits after the first datagram, over the time from the first to the
    # last arrival.
    span = (received["last_s"] or 0) - (received["first_s"] or 0)
    delivered_kbit = (received["unique"] - 1) * frame_bits / span / 1000 if span > 0 else 0.0
    goodput_kbit = delivered_kbit * payload / (payload + FRAME_OVERHEAD_BYTES)
    print(f"  offered {offered_kbit:.0f} kbit/s; {received['unique']}/{sent['sent']} datagrams "
          f"arrived over {span:.3f} s: {delivered_kbit:.1f} kbit/s of frames "
          f"({goodput_kbit:.1f} kbit/s of UDP payload); ss-linkem dropped "
          f"{counters['a_to_b']['dropped_queue']} at the queue", flush=True)
    check(360.0 <= delivered_kbit <= 440.0, "delivered rate within 400 kbit/s +- 10 %")
    check(counters["a_to_b"]["dropped_queue"] > 0, "the queue bound dropped the excess")
    check_clean_counters(counters)


def main():
    parser = argparse.ArgumentParser(description="ss-linkem namespace test")
    parser.add_argument("--linkem", required=True, help="path of the ss-linkem executable")
    args = parser.parse_args()

    reason = netns.skip_reason()
    if reason is not None:
        print(f"SKIP: {reason}")
        return EXIT_SKIP
    if not os.access(args.linkem, os.X_OK):
        print(f"FAIL: ss-linkem not found or not executable at {args.linkem}")
        return 1

    removed = netns.remove_stale_namespaces()
    if removed:
        print(f"removed namespaces of earlier runs: {' '.join(removed)}")

    start = time.monotonic()
    try:
        with netns.Topology() as topology:
            pair = topology.add_linked_pair(subnet=SUBNET)
            topology.disable_ipv6(pair.left)
            topology.disable_ipv6(pair.right)
            scenario_delay(topology, pair, args.linkem)
            scenario_loss(topology, pair, args.linkem)
            scenario_rate(topology, pair, args.linkem)
    except CheckFailed:
        print(f"FAILED after {time.monotonic() - start:.1f} s")
        return 1
    except (netns.NetnsError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
        print(f"FAIL: {error}")
        return 1
    except KeyboardInterrupt:
        print("interrupted; namespaces and processes removed")
        return 130

    print(f"passed in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
