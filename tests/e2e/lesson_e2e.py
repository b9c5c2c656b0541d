"""End-to-end lesson tests: real server, relay and agents on 127.0.0.1.

Two scenarios run one after the other, each with its own server:

lesson  A lead agent plays the sample clip and two remote agents follow the
        lesson for 15 s. Each remote must decode at least 90 % of the video
        frames the lead encoded over the same span, and at least 90 % of the
        audio samples that span contains at 48 kHz.
churn   Two remotes follow the lesson; one is killed with SIGKILL, and a
        third joins late. The late one must decode a frame within 3 s of
        sending subscribe, and the remote that stays must never stall: its
        decoded frame count rises at every stats write.

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

LESSON_SECONDS = 15.0
MIN_VIDEO_RATIO = 0.90
MIN_AUDIO_RATIO = 0.90
AUDIO_RATE_HZ = 48000
# A window shorter than this makes the 90 % ratios meaningless.
MIN_WINDOW_S = 8.0

FIRST_FRAME_TIMEOUT_S = 15.0
CHURN_WATCH_BEFORE_KILL_S = 3.0
CHURN_LATE_JOIN_DELAY_S = 1.0
LATE_FIRST_FRAME_MAX_MS = 3000
CHURN_WATCH_AFTER_JOIN_S = 4.0
# The agent writes its stats file every second; a gap this long means its
# main loop is stuck, which is a stall as well.
MAX_STATS_GAP_S = 2.5

SAMPLE_INTERVAL_S = 0.2


class Checks:
    """Collect pass/fail results, one line per condition."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.failures = []

    def check(self, condition, description, detail=None):
        """Record one condition; detail is printed only when it failed."""
        if condition:
            print(f"[{self.scenario}] ok: {description}", flush=True)
            return True

        message = f"{description}: {detail}" if detail else description
        print(f"[{self.scenario}] FAIL: {message}", flush=True)
        self.failures.append(message)
        return False


class StatsRecorder:
    """Keep every distinct write of each agent's stats file.

    A sample is (mtime in seconds, stats dict). The agent writes the file
    once a second, so polling faster than that catches every write.
    """

    def __init__(self, agents):
        self.samples = {agent.classroom: [] for agent in agents}
        self.agents = list(agents)

    def add(self, agent):
        self.agents.append(agent)
        self.samples[agent.classroom] = []

    def poll(self):
        for agent in self.agents:
            sample = lessonrun.read_stats(agent.stats_path)
            if sample is None:
                continue
            mtime_ns, stats = sample
            series = self.samples[agent.classroom]
            if not series or series[-1][0] != mtime_ns / 1e9:
                series.append((mtime_ns / 1e9, stats))

    def run_for(self, seconds, lesson):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll()
            lesson.check_all_running()
            time.sleep(SAMPLE_INTERVAL_S)


def value_at(series, key, when):
    """Interpolate a counter of a stats series linearly at time `when`.

    Returns None when the series does not cover `when`.
    """
    points = [(t, stats.get(key)) for t, stats in series if isinstance(stats.get(key), (int, float))]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t0 <= when <= t1:
            if t1 == t0:
                return v0
            return v0 + (v1 - v0) * (when - t0) / (t1 - t0)
    if points and points[-1][0] == when:
        return points[-1][1]
    return None


def print_log_tails(lesson, classrooms):
    for child in [lesson.server] + [agent.child for agent in [lesson.lead] + lesson.remotes if agent]:
        if child is not None and child.name in classrooms:
            print(f"--- last lines of {child.log_path}")
            print(child.log_tail())


def check_clean_exits(checks, children, killed=()):
    for child in children:
        if child.name in killed:
            continue
        checks.check(
            child.returncode == 0,
            f"{child.name} stopped by SIGTERM exits with status 0 ({lessonrun.describe_status(child.returncode)})",
        )


# ---------------------------------------------------------------------------
# Scenario: lesson


def check_remote_coverage(checks, classroom, lead_series, remote_series):
    """Compare a remote's decoded video and audio with what the lead sent.

    The remotes start after the lead, so the lead's total count includes
    frames encoded before any remote subscribed. The comparison therefore
    uses one window on the wall clock, from the remote's first stats write
    that shows a decoded frame (A) to its last write (B), normally the one
    it makes as it exits:
    - remote frames: decoded(B) - decoded(A), read from the remote's file;
    - lead frames: encoded(B) - encoded(A), with the lead's counter
      interpolated linearly between its writes (one a second, so the error
      is about one frame at each end). The remotes are stopped before the
      lead, so the lead's writes cover B.
    The remote decodes each frame one jitter-buffer latency after the lead
    encodes it. Its window therefore contains the frames encoded in
    [A - latency, B - latency], which at a steady frame rate are as many
    as the lead's window contains. Audio has no lead counter in samples,
    so the remote's decoded samples are compared with what the window
    contains at 48 kHz.
    """
    decoding = [(t, stats) for t, stats in remote_series if (stats.get("video_frames_decoded") or 0) > 0]
    if not checks.check(len(decoding) >= 2, f"{classroom} wrote stats with decoded video at least twice"):
        return

    start_t, start_stats = decoding[0]
    end_t, end_stats = decoding[-1]
    window_s = end_t - start_t
    if not checks.check(window_s >= MIN_WINDOW_S, f"{classroom} decoded video for {window_s:.1f} s (at least {MIN_WINDOW_S:.0f} s)"):
        return

    lead_start = value_at(lead_series, "video_frames_encoded", start_t)
    lead_end = value_at(lead_series, "video_frames_encoded", end_t)
    if not checks.check(lead_start is not None and lead_end is not None, f"lead stats cover {classroom}'s window"):
        return

    lead_frames = lead_end - lead_start
    remote_frames = end_stats["video_frames_decoded"] - start_stats["video_frames_decoded"]
    video_ratio = remote_frames / lead_frames if lead_frames > 0 else 0.0
    print(
        f"[lesson] {classroom}: window {window_s:.2f} s, lead encoded {lead_frames:.0f} video frames "
        f"({lead_frames / window_s:.2f} fps), remote decoded {remote_frames} ({video_ratio:.1%})"
    )
    checks.check(video_ratio >= MIN_VIDEO_RATIO, f"{classroom} decoded {video_ratio:.1%} of the lead's video frames (at least {MIN_VIDEO_RATIO:.0%})")

    remote_samples = (end_stats.get("audio_samples_decoded") or 0) - (start_stats.get("audio_samples_decoded") or 0)
    expected_samples = AUDIO_RATE_HZ * window_s
    audio_ratio = remote_samples / expected_samples
    print(
        f"[lesson] {classroom}: audio samples decoded {remote_samples} of {expected_samples:.0f} "
        f"at {AUDIO_RATE_HZ} Hz ({audio_ratio:.1%})"
    )
    checks.check(audio_ratio >= MIN_AUDIO_RATIO, f"{classroom} decoded {audio_ratio:.1%} of the window's audio samples (at least {MIN_AUDIO_RATIO:.0%})")

    print(
        f"[lesson] {classroom}: first_frame_ms {end_stats.get('first_frame_ms')}, "
        f"rtp_packets_received {end_stats.get('rtp_packets_received')}, "
        f"rtp_packets_lost {end_stats.get('rtp_packets_lost')}, subscribes {end_stats.get('subscribes')}"
    )


def scenario_lesson(args, workdir):
    checks = Checks("lesson")
    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson="e2e-lesson") as lesson:
        try:
            lesson.start_server()
            lead = lesson.start_lead("lead-1")
            print(f"[lesson] live after {lesson.wait_live():.2f} s")
            remotes = [lesson.start_remote("remote-1"), lesson.start_remote("remote-2")]

            recorder = StatsRecorder([lead] + remotes)
            recorder.run_for(LESSON_SECONDS, lesson)
        except lessonrun.RunError as error:
            checks.check(False, f"lesson ran: {error}")
            if error.log_path:
                print(f"--- last lines of {error.log_path}")
                print(lessonrun.read_log_tail(error.log_path))
            lesson.stop_all()
            return checks.failures

        children = lesson.stop_all()
        recorder.poll()

    for remote in remotes:
        check_remote_coverage(checks, remote.classroom, recorder.samples[lead.classroom], recorder.samples[remote.classroom])
    check_clean_exits(checks, children)

    if checks.failures:
        print_log_tails(lesson, {child.name for child in children})
    return checks.failures


# ---------------------------------------------------------------------------
# Scenario: churn


def check_no_stall(checks, classroom, series, until_t):
    """Check that every stats write of the remote shows more decoded frames.

    Only writes after the first decoded frame count, and the series must
    keep arriving at the agent's one-second cadence up to `until_t`.
    """
    decoding = [(t, stats.get("video_frames_decoded") or 0) for t, stats in series if (stats.get("video_frames_decoded") or 0) > 0]
    decoding = [(t, count) for t, count in decoding if t <= until_t]
    if not checks.check(len(decoding) >= 3, f"{classroom} wrote {len(decoding)} stats files with decoded video (at least 3)"):
        return

    stalls = [(t1 - decoding[0][0], c0, c1) for (t0, c0), (t1, c1) in zip(decoding, decoding[1:]) if c1 <= c0]
    gaps = [(t0 - decoding[0][0], t1 - t0) for (t0, _), (t1, _) in zip(decoding, decoding[1:]) if t1 - t0 > MAX_STATS_GAP_S]
    last_gap = until_t - decoding[-1][0]
    counts = [count for _, count in decoding]
    print(f"[churn] {classroom}: decoded counts at each stats write: {counts}")

    checks.check(
        not stalls,
        f"{classroom} decoded count rose at every stats write",
        "no rise at " + ", ".join(f"+{t:.1f} s ({before} -> {after})" for t, before, after in stalls),
    )
    checks.check(
        not gaps,
        f"{classroom} wrote stats at least every {MAX_STATS_GAP_S} s",
        "gaps at " + ", ".join(f"+{t:.1f} s ({gap:.1f} s long)" for t, gap in gaps),
    )
    checks.check(last_gap <= MAX_STATS_GAP_S, f"{classroom} still wrote stats {last_gap:.1f} s before the end of the watch")


def scenario_churn(args, workdir):
    checks = Checks("churn")
    with lessonrun.Lesson(args.server_exe, args.agent_exe, args.clip, workdir, lesson="e2e-churn") as lesson:
        try:
            lesson.start_server()
            lead = lesson.start_lead("lead-1")
            print(f"[churn] live after {lesson.wait_live():.2f} s")
            doomed = lesson.start_remote("remote-1")
            survivor = lesson.start_remote("remote-2")
            recorder = StatsRecorder([lead, doomed, survivor])

            lesson.wait_first_frame(doomed, FIRST_FRAME_TIMEOUT_S)
            lesson.wait_first_frame(survivor, FIRST_FRAME_TIMEOUT_S)
            recorder.run_for(CHURN_WATCH_BEFORE_KILL_S, lesson)

            doomed.child.kill()
            print(f"[churn] {doomed.classroom} killed with SIGKILL ({lessonrun.describe_status(doomed.child.returncode)})")
            recorder.run_for(CHURN_LATE_JOIN_DELAY_S, lesson)

            late = lesson.start_remote("remote-3")
            recorder.add(late)
            deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
            while time.monotonic() < deadline:
                recorder.run_for(SAMPLE_INTERVAL_S, lesson)
                stats = late.stats()
                if stats and (stats.get("video_frames_decoded") or 0) > 0:
                    break
            recorder.run_for(CHURN_WATCH_AFTER_JOIN_S, lesson)
            watch_end = time.time()
            healthy = lessonrun.server_is_healthy(lesson.port)
        except lessonrun.RunError as error:
            checks.check(False, f"churn lesson ran: {error}")
            if error.log_path:
                print(f"--- last lines of {error.log_path}")
                print(lessonrun.read_log_tail(error.log_path))
            lesson.stop_all()
            return checks.failures

        children = lesson.stop_all()
        recorder.poll()

    checks.check(healthy, "server answers /healthz after a remote was killed")

    late_stats = (recorder.samples[late.classroom] or [(0, {})])[-1][1]
    first_frame_ms = late_stats.get("first_frame_ms")
    print(f"[churn] {late.classroom}: first_frame_ms {first_frame_ms}, video_frames_decoded {late_stats.get('video_frames_decoded')}")
    checks.check(
        isinstance(first_frame_ms, int) and 0 <= first_frame_ms <= LATE_FIRST_FRAME_MAX_MS,
        f"late {late.classroom} decoded its first frame {first_frame_ms} ms after subscribing (at most {LATE_FIRST_FRAME_MAX_MS} ms)",
    )

    check_no_stall(checks, survivor.classroom, recorder.samples[survivor.classroom], watch_end)
    survivor_stats = (recorder.samples[survivor.classroom] or [(0, {})])[-1][1]
    checks.check(survivor_stats.get("subscribes") == 1, f"{survivor.classroom} subscribed once (subscribes {survivor_stats.get('subscribes')})")

    check_clean_exits(checks, children, killed={doomed.classroom})
    if checks.failures:
        print_log_tails(lesson, {child.name for child in children})
    return checks.failures


# ---------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description="End-to-end lesson tests on loopback.")
    parser.add_argument("--server-exe", default="", help="path of shuangshi-server (empty: not built)")
    parser.add_argument("--agent-exe", default="", help="path of shuangshi-agent (empty: not built)")
    parser.add_argument("--clip", required=True, help="media file the lead agent plays")
    parser.add_argument("--scenario", choices=["lesson", "churn", "all"], default="all", help="scenario to run (default all)")
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

    lessonrun.install_signal_handlers()
    workdir = tempfile.mkdtemp(prefix="shuangshi-e2e-")
    failures = []
    try:
        scenarios = {"lesson": scenario_lesson, "churn": scenario_churn}
        for name, scenario in scenarios.items():
            if args.scenario in (name, "all"):
                scenario_dir = os.path.join(workdir, name)
                os.mkdir(scenario_dir)
                failures += [f"{name}: {failure}" for failure in scenario(args, scenario_dir)]
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
