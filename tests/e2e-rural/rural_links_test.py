#!/usr/bin/python3
"""A lesson over impaired rural links, in network namespaces.

Topology (all inside namespaces this test creates; nothing reaches the
host's network):

    lead --- hub (server + relay) --+-- ss-linkem --- remote A  clean
                                    +-- ss-linkem --- remote B  5 % loss, 40 ms delay
                                    +-- ss-linkem --- remote C  400 kbit/s

The hub's server binds 10.77.10.1; each remote reaches it through its own
link. The impairments apply in both directions, so NACKs and receiver
reports cross the same link as the media.

Every second the test reads the agents' stats files. For each remote it
compares the video frames decoded with those the lead encoded over the
same span (from the remote's first decoded frame to the end), so late
starts do not count as loss. It prints per classroom: frames decoded per
second, freezes (gaps over 200 ms between decoded frames), packets lost on
the link before retransmission (ss-linkem's drops towards the remote) and
after it (what the remote's receiver still counts lost), and the video
size it ended on, which tells the simulcast layer.

It asserts that A decodes at least 95 % of the frames, that B decodes at
least 90 % with no freeze longer than a second, that C spends most of the
last ten seconds on the lowest layer and still decodes at least 10 frames
a second there, and that A, on its clean link, decodes as well as the
lesson's frame rate allows and never freezes while B and C are impaired.

Needs root for the namespaces; exits 77 (skipped) without them.
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import netns  # noqa: E402
import lessonrun  # noqa: E402

HUB_ADDRESS = "10.77.10.1"
LESSON = "rural-lesson"
# Long enough for C's first probe of the middle layer, due about 20 s
# after its first step down (the layer selector's hold), to be over before
# the last ten seconds that show where C settled. A failed probe doubles
# the hold, so no second probe falls inside the run.
RUN_SECONDS = 45
LEAD_HEAD_START_S = 2

REMOTES = {
    "A": {"subnet": "10.77.11", "linkem": []},
    "B": {"subnet": "10.77.12", "linkem": ["--loss", "5", "--delay", "40"]},
    "C": {"subnet": "10.77.13", "linkem": ["--rate", "400", "--queue-ms", "200"]},
}


def selected_remotes():
    """SS_RURAL_REMOTES=B runs only that remote, for looking into one link."""
    only = os.environ.get("SS_RURAL_REMOTES")
    if only:
        return {name: REMOTES[name] for name in only.split(",") if name in REMOTES}
    return REMOTES


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--linkem", required=True)
    parser.add_argument("--clip", required=True)
    return parser.parse_args()


def read_stats(path):
    try:
        with open(path, encoding="utf-8") as stats:
            return json.load(stats)
    except (OSError, ValueError):
        return None


def build_topology(topology):
    """Create the hub, the lead's clean link and one linked pair per remote."""
    hub = topology.add_namespace("hub")
    lead = topology.add_namespace("lead")
    topology.add_veth(hub, "eth-lead", lead, "eth0")
    topology.add_address(hub, "eth-lead", f"{HUB_ADDRESS}/24")
    topology.add_address(lead, "eth0", "10.77.10.2/24")
    topology.set_up(hub, "eth-lead")
    topology.set_up(lead, "eth0")

    pairs = {}
    for name, remote in REMOTES.items():
        subnet = remote["subnet"]
        mid = topology.add_namespace(f"mid{name.lower()}")
        end = topology.add_namespace(f"remote{name.lower()}")
        topology.disable_ipv6(mid)
        pair = netns.LinkedPair(left=hub, mid=mid, right=end,
                                left_interface=f"eth-{name.lower()}", right_interface="eth0",
                                mid_a="lka", mid_b="lkb",
                                left_address=f"{subnet}.1", right_address=f"{subnet}.2",
                                prefix_length=24)
        topology.add_veth(hub, pair.left_interface, mid, pair.mid_a)
        topology.add_veth(end, pair.right_interface, mid, pair.mid_b)
        topology.add_address(hub, pair.left_interface, f"{subnet}.1/24")
        topology.add_address(end, pair.right_interface, f"{subnet}.2/24")
        for namespace, interface in ((hub, pair.left_interface), (mid, pair.mid_a),
                                     (mid, pair.mid_b), (end, pair.right_interface)):
            topology.set_up(namespace, interface)
        # The hub's server address is on another interface of the hub.
        topology.add_route(end, "default", via=f"{subnet}.1")
        pairs[name] = pair
    return hub, lead, pairs


def wait_for_server(topology, hub, port, deadline_s=10):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        result = topology.run(hub, ["/usr/bin/python3", "-c",
                                    "import urllib.request,sys;"
                                    f"sys.exit(0 if urllib.request.urlopen('http://{HUB_ADDRESS}:{port}/healthz',timeout=1).status==200 else 1)"],
                              check=False)
        if result.returncode == 0:
            return True
        time.sleep(0.2)
    return False


def span_figures(samples, name):
    """Frames decoded against frames encoded from the remote's first frame on."""
    started = [s for s in samples if s["remotes"][name] and
               s["remotes"][name].get("video_frames_decoded", 0) > 0]
    if len(started) < 2:
        return None
    first, last = started[0], started[-1]
    seconds = last["t"] - first["t"]
    encoded = last["lead"]["video_frames_encoded"] - first["lead"]["video_frames_encoded"]
    decoded = (last["remotes"][name]["video_frames_decoded"] -
               first["remotes"][name]["video_frames_decoded"])
    return {"seconds": seconds, "encoded": encoded, "decoded": decoded,
            "ratio": decoded / encoded if encoded else 0.0,
            "fps": decoded / seconds if seconds > 0 else 0.0}


def last_seconds_fps(samples, name, seconds):
    end = samples[-1]
    start = next((s for s in samples if end["t"] - s["t"] <= seconds), samples[0])
    if end["t"] <= start["t"] or not start["remotes"][name]:
        return 0.0
    return ((end["remotes"][name]["video_frames_decoded"] -
             start["remotes"][name]["video_frames_decoded"]) / (end["t"] - start["t"]))


def main():
    global REMOTES
    REMOTES = selected_remotes()
    args = parse_args()
    reason = netns.skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        return 77

    workdir = tempfile.mkdtemp(prefix="ss-rural-")
    port = 8443
    failures = []
    with netns.Topology() as topology:
        hub, lead_ns, pairs = build_topology(topology)
        emulators = {name: topology.start_linkem(pairs[name], args.linkem,
                                                 ["--seed", "7", "--realtime",
                                                  *REMOTES[name]["linkem"]])
                     for name in REMOTES}

        server_log = open(os.path.join(workdir, "server.log"), "wb")
        topology.popen(hub, [args.server, "--listen", f"{HUB_ADDRESS}:{port}",
                             "--data-dir", os.path.join(workdir, "data"),
                             "--relay-bind", HUB_ADDRESS, "--relay-port", "40000",
                             "--relay-workers", "1"],
                       stdout=server_log, stderr=server_log,
                       env=dict(os.environ, G_MESSAGES_DEBUG="ss-relay"))
        if not wait_for_server(topology, hub, port):
            print("FAIL: the server did not answer /healthz within 10 s")
            return 1

        url = f"ws://{HUB_ADDRESS}:{port}/ws"
        # The server's admin API is inside the hub namespace, so every agent
        # sends the admin token in its hello, which the server accepts for
        # any classroom.
        admin_token = lessonrun.read_admin_token(os.path.join(workdir, "data"))
        token_file = lessonrun.write_token_file(workdir, "admin", admin_token)
        stats = {"lead": os.path.join(workdir, "lead.json")}
        lead_log = open(os.path.join(workdir, "lead.log"), "wb")
        topology.popen(lead_ns, [args.agent, "--role", "lead", "--server", url,
                                 "--classroom", "lead-1", "--lesson", LESSON,
                                 "--token-file", token_file,
                                 "--source", f"file:{args.clip}", "--headless",
                                 # 960x540, 480x270 and 240x136 at 1.5 Mbit/s,
                                 # 500 kbit/s and 170 kbit/s: the middle layer
                                 # is more than C's link carries, and decoding
                                 # stays within two cores.
                                 "--video-size", "960x540",
                                 # The links are judged by the lesson they
                                 # carry down; return feeds have their own
                                 # test (tests/e2e/return_feed_e2e.py).
                                 "--return-slots", "0",
                                 "--stats-file", stats["lead"]],
                       stdout=lead_log, stderr=lead_log)
        time.sleep(LEAD_HEAD_START_S)

        for name, pair in pairs.items():
            stats[name] = os.path.join(workdir, f"remote-{name}.json")
            log = open(os.path.join(workdir, f"remote-{name}.log"), "wb")
            topology.popen(pair.right, [args.agent, "--role", "remote", "--server", url,
                                        "--classroom", f"remote-{name}", "--lesson", LESSON,
                                        "--token-file", token_file,
                                        "--return-source", "none",
                                        "--headless", "--stats-file", stats[name]],
                           stdout=log, stderr=log,
                           env=dict(os.environ, GST_DEBUG=os.environ.get("SS_RURAL_GST_DEBUG", "")))

        samples = []
        start = time.monotonic()
        while time.monotonic() - start < RUN_SECONDS:
            time.sleep(1)
            lead = read_stats(stats["lead"])
            if lead is None:
                continue
            samples.append({"t": time.monotonic() - start, "lead": lead,
                            "remotes": {name: read_stats(stats[name]) for name in REMOTES}})

        link_counters = {name: emulator.stop() for name, emulator in emulators.items()}

    print(f"{'classroom':<10} {'fps':>6} {'decoded':>8} {'freezes':>8} {'longest gap':>12} "
          f"{'lost on link':>13} {'lost after':>11} {'size':>9}")
    figures = {}
    for name in REMOTES:
        final = samples[-1]["remotes"][name] if samples else None
        span = span_figures(samples, name) if samples else None
        if final is None or span is None:
            failures.append(f"remote {name} decoded no video")
            continue
        a_to_b = link_counters[name].get("a_to_b", {})
        lost_on_link = a_to_b.get("dropped_loss", 0) + a_to_b.get("dropped_queue", 0)
        figures[name] = {"span": span, "final": final}
        print(f"{name:<10} {span['fps']:>6.1f} {span['ratio']:>7.1%} "
              f"{final.get('freezes', 0):>8} {final.get('longest_frame_gap_ms', 0):>9} ms "
              f"{lost_on_link:>13} {final.get('rtp_packets_lost', 0):>11} "
              f"{final.get('video_width', 0):>4}x{final.get('video_height', 0):<4}")

    if "A" in figures and figures["A"]["span"]["ratio"] < 0.95:
        failures.append(f"A decoded {figures['A']['span']['ratio']:.1%} of the frames, "
                        "expected at least 95 %")
    if "A" in figures and figures["A"]["final"].get("freezes", 0) > 0:
        failures.append("A froze on a clean link while B and C were impaired")
    if "B" in figures:
        if figures["B"]["span"]["ratio"] < 0.90:
            failures.append(f"B decoded {figures['B']['span']['ratio']:.1%} of the frames, "
                            "expected at least 90 %")
        if figures["B"]["final"].get("longest_frame_gap_ms", 0) > 1000:
            failures.append(f"B froze for {figures['B']['final']['longest_frame_gap_ms']} ms, "
                            "expected no freeze over a second")
    if "C" in figures:
        widths = sorted({s["remotes"]["A"]["video_width"] for s in samples
                         if s["remotes"].get("A") and s["remotes"]["A"].get("video_width")})
        top_width = widths[-1] if widths else 0
        # The layer C settled on: the width of most of its last ten
        # one-second samples. A step up to probe the link may be under way
        # at any single moment; it is given up within seconds.
        recent = [s["remotes"]["C"].get("video_width", 0) for s in samples[-10:]
                  if s["remotes"].get("C")]
        settled = max(set(recent), key=recent.count) if recent else 0
        print(f"C's video width over the last 10 s: {recent}")
        if top_width and settled * 4 > top_width:
            failures.append(f"C settled at width {settled}, not on the lowest layer "
                            f"(a quarter of {top_width})")
        c_fps = last_seconds_fps(samples, "C", 10)
        print(f"C decoded {c_fps:.1f} frames/s in the last 10 s")
        if c_fps < 10:
            failures.append(f"C decoded only {c_fps:.1f} frames/s in the last 10 s")

    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        print(f"logs kept in {workdir}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
