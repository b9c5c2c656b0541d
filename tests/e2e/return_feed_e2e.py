"""End-to-end test of return feeds and the floor: real server, relay and agents on 127.0.0.1.

A lead agent plays the sample clip with its console on and receives return
feeds in 4 slots. Remote agents R1 (console on) and R2 publish the test
picture as their return feeds. The steps run in order, and each waits at
most STEP_TIMEOUT_S for the agents' stats files to show its effect:

feeds      the lead decodes both return feeds, each in a slot the feeds
           event names.
reports    the relay's statistics of every subscription that carries media
           (the lead's return feed slots, the remotes' lesson) show an RTT,
           so the subscribers' receiver reports carry report blocks, and
           fewer NACKs than seconds the link has been up.
call R1    the lead's console grants R1 the floor: R2's stats show floor
           "R1" and its floor slot decodes frames; R1 shows floor "R1" too.
call R2    the floor moves: R1 shows floor "R2" and its floor slot, idle
           until now, decodes R2's feed.
phase      the lead's console sets the practice phase: both remotes show
           phase "practice".
hand       R1's console raises its hand and confirms attendance for 30
           students: the lead's console prints both.
forbidden  R1's console tries `call R1`: the server answers forbidden, which
           R1 prints, and the floor stays with R2 on every agent.
flood      R1's console sends 7 chat lines at once: the sixth and seventh
           get rate_limited, only the first 5 reach the lead, the lead's
           next message still reaches R1 and R2 keeps decoding the lesson.
busy       a second agent of R1 starts: its return feed publish gets
           lesson_busy, which it shows as state "busy" without trying again,
           while the lead goes on decoding the first agent's feed.

Exit status: 0 when every check passed, 1 when one failed, 77 (meson's
"skipped") when shuangshi-server or shuangshi-agent is not built.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lessonrun  # noqa: E402

EXIT_SKIP = 77

STEP_TIMEOUT_S = 25.0
# Frames a slot must decode to count as showing a feed: a second of the
# return feed's 15 fps.
MIN_FRAMES = 15
POLL_INTERVAL_S = 0.2
# How long a refused request is watched for a change it must not make.
SETTLE_S = 2.0
# The server takes 5 chat.send per connection in any 10 s
# (protocol/README.md, "Limits"); the console sends a few more at once.
CHAT_LIMIT = 5
CHAT_FLOOD = 7
# Seconds a subscription runs before its NACKs are counted, so the few
# that a stream's first packets may draw weigh little.
MIN_LINK_AGE_S = 5

# The lead encodes one 640x360 layer rather than the 720p simulcast ladder,
# which keeps three agents, a server and a relay light enough to share a
# small CI machine with other tests.
LEAD_ARGS = ["--simulcast-layers", "1", "--video-size", "640x360"]


class Checks:
    """Collect pass/fail results, one line per condition."""

    def __init__(self):
        self.failures = []

    def check(self, condition, description, detail=None):
        if condition:
            print(f"ok: {description}", flush=True)
            return True
        message = f"{description}: {detail}" if detail else description
        print(f"FAIL: {message}", flush=True)
        self.failures.append(message)
        return False


def wait_for(lesson, condition, timeout_s=STEP_TIMEOUT_S):
    """Poll condition() until it returns a true value or timeout_s passes.

    Returns the last value; the agents must keep running meanwhile.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        lesson.check_all_running()
        time.sleep(POLL_INTERVAL_S)


def stats_of(agent):
    return agent.stats() or {}


def slot_frames(lead_stats, classroom):
    """Return the frames the lead decoded in the slot that carries classroom's feed, or None."""
    for feed in lead_stats.get("return_feeds") or []:
        if feed.get("classroom") == classroom:
            return feed.get("frames_decoded", 0)
    return None


def log_text(agent):
    try:
        with open(agent.child.log_path, "rb") as log:
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def check_feeds(checks, lesson, lead, remotes):
    """The lead decodes every remote's return feed in a slot of its own."""

    def all_decoded():
        stats = stats_of(lead)
        counts = [slot_frames(stats, remote.classroom) for remote in remotes]
        return all(count is not None and count >= MIN_FRAMES for count in counts)

    decoded = wait_for(lesson, all_decoded)
    feeds = stats_of(lead).get("return_feeds")
    print(f"lead return_feeds: {feeds}")
    checks.check(decoded, "the lead decodes the return feeds of " + " and ".join(r.classroom for r in remotes),
                 f"return_feeds {feeds}")
    for remote in remotes:
        state = (stats_of(remote).get("return_feed") or {}).get("state")
        checks.check(state == "publishing", f"{remote.classroom} publishes its return feed", f"state {state}")


def media_subscriptions(lesson):
    """Return the relay's live statistics of the lesson's subscribe links that carry media."""
    status, reply = lessonrun.admin_request(lesson.http_url, lesson.admin_token, "GET", "/api/v1/live/lessons")
    if status != 200 or not isinstance(reply, dict):
        return []
    return [link for link in reply.get("links") or []
            if link.get("lesson") == lesson.lesson and link.get("transport") == "subscribe"
            and (link.get("bytes_out") or 0) > 0]


def check_link_reports(checks, lesson, expected_links):
    """Every subscription's receiver reports reach the relay, and a clean link draws few NACKs.

    The relay takes a link's RTT from the LSR and DLSR of the subscriber's
    report blocks, so an RTT shows that the relay's sender reports reach the
    agent and the agent's receiver reports carry report blocks. webrtcbin
    leaves report blocks out of the early RTCP packets that carry NACKs, so
    a receiver that keeps sending NACKs sends almost no report blocks. On
    loopback nothing is lost, so every NACK requests a packet that came
    later than the jitterbuffer expected, and audio requests none.
    """

    def all_measured():
        links = media_subscriptions(lesson)
        return len(links) >= expected_links and all(
            link.get("rtt_ms") is not None and (link.get("age_seconds") or 0) >= MIN_LINK_AGE_S
            for link in links)

    measured = wait_for(lesson, all_measured)
    links = media_subscriptions(lesson)
    for link in links:
        print(f"{link.get('classroom')} {link.get('session')}: RTT {link.get('rtt_ms')} ms, "
              f"loss {link.get('loss_percent')} %, NACKs {link.get('nacks_received')} in {link.get('age_seconds')} s")
    checks.check(measured, f"the relay knows the RTT of all {expected_links} subscriptions that carry media",
                 f"(session, RTT, age) {[(link.get('session'), link.get('rtt_ms'), link.get('age_seconds')) for link in links]}")
    for link in links:
        nacks = link.get("nacks_received") or 0
        age_s = link.get("age_seconds") or 0
        checks.check(nacks <= age_s,
                     f"{link.get('classroom')}'s subscription {link.get('session')} draws at most one NACK "
                     "per second on loopback",
                     f"{nacks} NACKs in {age_s} s")


def check_floor(checks, lesson, holder, watcher, others):
    """After a call, watcher shows holder's feed in its floor slot and every agent knows the holder."""
    start = stats_of(watcher).get("floor_frames_decoded", 0)

    def floor_shown():
        stats = stats_of(watcher)
        return stats.get("floor") == holder and stats.get("floor_frames_decoded", 0) >= start + MIN_FRAMES

    shown = wait_for(lesson, floor_shown)
    stats = stats_of(watcher)
    checks.check(shown, f"{watcher.classroom} shows {holder} in its floor slot",
                 f"floor {stats.get('floor')}, floor_frames_decoded {start} -> {stats.get('floor_frames_decoded')}")
    print(f"{watcher.classroom}: floor {stats.get('floor')}, floor_frames_decoded {start} -> "
          f"{stats.get('floor_frames_decoded')}, status_text {stats.get('status_text')!r}")

    for agent in others:
        knows = wait_for(lesson, lambda agent=agent: stats_of(agent).get("floor") == holder)
        checks.check(knows, f"{agent.classroom} knows {holder} holds the floor",
                     f"floor {stats_of(agent).get('floor')}")


def check_phase(checks, lesson, remotes):
    for remote in remotes:
        shown = wait_for(lesson, lambda remote=remote: stats_of(remote).get("phase") == "practice")
        stats = stats_of(remote)
        checks.check(shown, f"{remote.classroom} shows the practice phase",
                     f"phase {stats.get('phase')}, status_text {stats.get('status_text')!r}")


def check_lead_console_notices(checks, lesson, lead, remote):
    """The lead's console prints a raised hand and a confirmed attendance."""
    remote.send_console("hand up")
    raised = f"Classroom {remote.classroom} raised its hand (number 1 in the queue)"
    shown = wait_for(lesson, lambda: raised in log_text(lead))
    checks.check(shown, f"the lead's console prints that {remote.classroom} raised its hand")

    remote.send_console("present 30")
    confirmed = f"Classroom {remote.classroom} confirmed attendance: 30 students"
    shown = wait_for(lesson, lambda: confirmed in log_text(lead))
    checks.check(shown, f"the lead's console prints {remote.classroom}'s attendance")


def check_forbidden(checks, lesson, caller, agents):
    """A remote's `call` is refused with forbidden and changes nothing."""
    floors_before = {agent.classroom: stats_of(agent).get("floor") for agent in agents}
    caller.send_console(f"call {caller.classroom}")

    refused = wait_for(lesson, lambda: "forbidden" in log_text(caller))
    checks.check(refused, f"{caller.classroom}'s console prints the server's forbidden")

    time.sleep(SETTLE_S)
    floors_after = {agent.classroom: stats_of(agent).get("floor") for agent in agents}
    checks.check(floors_after == floors_before, "the refused call changes no agent's floor",
                 f"before {floors_before}, after {floors_after}")


def chat_texts(agent):
    """Return the texts of the chat messages in agent's stats file."""
    return [message.get("text") for message in stats_of(agent).get("chat") or []]


def check_rate_limited(checks, lesson, sender, lead, watcher):
    """Chat past the per-connection limit is refused; the lesson carries on."""
    texts = [f"flood {number}" for number in range(1, CHAT_FLOOD + 1)]
    frames_before = stats_of(watcher).get("video_frames_decoded", 0)
    for text in texts:
        sender.send_console(f"chat {text}")

    refused = wait_for(lesson, lambda: "rate_limited" in log_text(sender))
    checks.check(refused, f"{sender.classroom}'s console prints the server's rate_limited")

    allowed = texts[:CHAT_LIMIT]
    delivered = wait_for(lesson, lambda: all(text in chat_texts(lead) for text in allowed))
    checks.check(delivered, f"the first {CHAT_LIMIT} messages reach the lead",
                 f"lead's chat {chat_texts(lead)}")
    time.sleep(SETTLE_S)
    over = [text for text in texts[CHAT_LIMIT:] if text in chat_texts(lead)]
    checks.check(not over, "no message past the limit reaches the lead", f"delivered {over}")

    # The lesson carries on: the lead's chat still reaches the sender, and
    # the other classroom still decodes the lesson.
    lead.send_console("chat after the flood")
    reached = wait_for(lesson, lambda: "after the flood" in chat_texts(sender))
    checks.check(reached, f"the lead's next message reaches {sender.classroom}",
                 f"{sender.classroom}'s chat {chat_texts(sender)}")
    frames_after = stats_of(watcher).get("video_frames_decoded", 0)
    checks.check(frames_after > frames_before, f"{watcher.classroom} keeps decoding the lesson",
                 f"video_frames_decoded {frames_before} -> {frames_after}")


def check_busy(checks, lesson, lead, classroom):
    """A second agent of a classroom does not publish a second return feed, nor retry."""
    twin = lesson.start_remote(classroom, return_source="test", name=classroom + "-twin")
    busy = wait_for(lesson, lambda: (stats_of(twin).get("return_feed") or {}).get("state") == "busy")
    checks.check(busy, f"a second agent of {classroom} shows its return feed as busy",
                 f"return_feed {stats_of(twin).get('return_feed')}")

    before = slot_frames(stats_of(lead), classroom) or 0
    time.sleep(SETTLE_S)
    after = slot_frames(stats_of(lead), classroom) or 0
    checks.check(after > before, f"the lead still decodes {classroom}'s first return feed",
                 f"frames_decoded {before} -> {after}")

    attempts = log_text(twin).count("Starting the return feed")
    checks.check(attempts == 1, f"the second agent of {classroom} published its return feed once",
                 f"{attempts} attempts")


def run(args, workdir):
    checks = Checks()
    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson="e2e-return") as lesson:
        try:
            lesson.start_server()
            lead = lesson.start_lead("lead-1", console=True, return_slots=4, extra_args=LEAD_ARGS)
            print(f"live after {lesson.wait_live():.2f} s")
            r1 = lesson.start_remote("R1", return_source="test", console=True)
            r2 = lesson.start_remote("R2", return_source="test")

            check_feeds(checks, lesson, lead, [r1, r2])
            # The lead's return feed subscription and the remotes' lesson
            # subscriptions.
            check_link_reports(checks, lesson, 3)

            lead.send_console("call R1")
            check_floor(checks, lesson, "R1", r2, [lead, r1])

            lead.send_console("call R2")
            check_floor(checks, lesson, "R2", r1, [lead, r2])

            lead.send_console("phase practice")
            check_phase(checks, lesson, [r1, r2])

            check_lead_console_notices(checks, lesson, lead, r1)

            check_forbidden(checks, lesson, r1, [lead, r1, r2])

            check_rate_limited(checks, lesson, r1, lead, r2)

            check_busy(checks, lesson, lead, "R1")
        except lessonrun.RunError as error:
            checks.check(False, f"lesson ran: {error}")
            if error.log_path:
                print(f"--- last lines of {error.log_path}")
                print(lessonrun.read_log_tail(error.log_path))

        children = lesson.stop_all()

    for child in children:
        checks.check(child.returncode == 0,
                     f"{child.name} stopped by SIGTERM exits with status 0 ({lessonrun.describe_status(child.returncode)})")
    if checks.failures:
        for child in children:
            print(f"--- last lines of {child.log_path}")
            print(child.log_tail())
    return checks.failures


def parse_args(argv):
    parser = argparse.ArgumentParser(description="End-to-end test of return feeds and the floor on loopback.")
    parser.add_argument("--server-exe", default="", help="path of shuangshi-server (empty: not built)")
    parser.add_argument("--agent-exe", default="", help="path of shuangshi-agent (empty: not built)")
    parser.add_argument("--clip", required=True, help="media file the lead agent plays")
    parser.add_argument("--keep", action="store_true", help="keep the work dir with logs and stats files")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)

    for label, path in (("shuangshi-server", args.server_exe), ("shuangshi-agent", args.agent_exe)):
        if not path or not os.access(path, os.X_OK):
            print(f"SKIP: {label} is not built ({path or 'no meson target'}); build it to run this test.")
            return EXIT_SKIP
    if not os.path.isfile(args.clip):
        print(f"FAIL: sample clip {args.clip} not found")
        return 1

    # The console checks read the agents' lines in the English source
    # strings, whatever the user's language.
    os.environ["LC_ALL"] = "C"
    os.environ.pop("LANGUAGE", None)

    lessonrun.install_signal_handlers()
    workdir = tempfile.mkdtemp(prefix="shuangshi-return-e2e-")
    failures = []
    try:
        failures = run(args, workdir)
    except lessonrun.Interrupted as interrupt:
        print(f"interrupted by {interrupt}")
        return 1
    finally:
        if args.keep or failures:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
