#!/usr/bin/python3
"""Websocket test of shuangshi-server: starts the real binary on 127.0.0.1
with free ports and a temporary data directory, then checks HTTP, the
websocket handshake rules, the error replies of protocol/README.md, the
token check of hello, and a chat message through to the lesson log. Hellos carry the admin token that the server writes
to DATA_DIR/admin.token at its first start.

Usage: test-websocket.py PATH/TO/shuangshi-server
Needs Debian's python3-websockets (10.x).
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import websockets

SUBPROTOCOL = "shuangshi.v1"
MAX_MESSAGE = 65536
REPLY_TIMEOUT = 5.0
START_TIMEOUT = 10.0

# Set once the server has written it.
admin_token = None


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(port, path):
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=REPLY_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_healthy(server, port):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited early with {server.returncode}")
        try:
            return http_get(port, "/healthz")
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not answer /healthz in time")


# Events these checks read only where they test them: schedule after
# hello, and the roster that changes as others join and leave.
SKIPPED_EVENTS = ("schedule", "roster")


async def receive_json(ws):
    """Return the next message, skipping SKIPPED_EVENTS."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT))
        if message.get("type") not in SKIPPED_EVENTS:
            return message


def hello(request_id, role, classroom, token=None):
    message = {"v": 1, "type": "hello", "id": request_id, "role": role,
               "classroom": classroom,
               "token": admin_token if token is None else token}
    return json.dumps(message)


def base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_token(key, claims):
    """Sign @claims with HS256, as the server does, so a test can make a
    token that expired."""
    header = base64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = base64url(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(),
                         hashlib.sha256).digest()
    return f"{header}.{payload}.{base64url(signature)}"


def http_post_json(port, path, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
        method="POST", headers={"Authorization": f"Bearer {admin_token}",
                                "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=REPLY_TIMEOUT) as response:
        return json.loads(response.read())


async def expect_error(ws, code, request_id=None):
    reply = await receive_json(ws)
    assert reply.get("type") == "error", reply
    assert reply.get("code") == code, reply
    assert reply.get("id") == request_id, reply
    assert isinstance(reply.get("message"), str), reply
    return reply


async def expect_result(ws, request_id):
    reply = await receive_json(ws)
    assert reply.get("type") == "result", reply
    assert reply.get("id") == request_id, reply
    return reply


async def expect_joined(ws, request_id, lesson):
    """Read lesson.join's result and the lesson.state right after it."""
    joined = await expect_result(ws, request_id)
    assert joined.get("lesson") == lesson, joined
    state = await receive_json(ws)
    assert state.get("type") == "lesson.state", state
    assert state.get("lesson") == lesson, state
    return state


def http_get_json(port, path):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Authorization": f"Bearer {admin_token}"})
    with urllib.request.urlopen(request, timeout=REPLY_TIMEOUT) as response:
        return json.loads(response.read())


def connect(port, path="/ws", subprotocols=(SUBPROTOCOL,)):
    return websockets.connect(f"ws://127.0.0.1:{port}{path}",
                              subprotocols=list(subprotocols) or None,
                              max_size=None, open_timeout=REPLY_TIMEOUT)


async def check_handshake_rules(port):
    for path, protocols in (("/other", (SUBPROTOCOL,)), ("/ws", ()),
                            ("/ws", ("chat",))):
        try:
            async with connect(port, path, protocols):
                raise AssertionError(f"upgrade on {path} {protocols} accepted")
        except (websockets.InvalidHandshake, ConnectionError):
            pass
    print("ok - handshake needs /ws and the shuangshi.v1 subprotocol")


async def check_errors_keep_connection(port):
    async with connect(port) as ws:
        assert ws.subprotocol == SUBPROTOCOL

        await ws.send("{not json")
        await expect_error(ws, "bad_json")

        await ws.send('{"v":1,"type":"lesson.pause","id":4}')
        await expect_error(ws, "unknown_type", 4)

        await ws.send('{"v":2,"type":"hello","id":5}')
        await expect_error(ws, "unsupported_version", 5)

        await ws.send(b'{"v":1,"type":"hello","id":6}')
        await expect_error(ws, "bad_json")

        await ws.send('{"v":1,"type":"publish","id":7,"sdp":"v=0"}')
        await expect_error(ws, "not_ready", 7)

        # A message split over several frames is reassembled.
        await ws.send(['{"v":1,"type":"hello",', '"id":8,"role":"lead",',
                       f'"token":"{admin_token}",', '"classroom":"room-1"}'])
        hello = await expect_result(ws, 8)
        assert hello["session"].startswith("s"), hello

        # A message of exactly the limit is parsed, not refused for size.
        head = '{"v":1,"type":"lesson.pause","id":9,"pad":"'
        padding = "a" * (MAX_MESSAGE - len(head) - 2)
        await ws.send(head + padding + '"}')
        await expect_error(ws, "unknown_type", 9)

        await ws.send('{"v":1,"type":"lesson.join","id":10,"lesson":"L1"}')
        joined = await expect_result(ws, 10)
        assert joined == {"v": 1, "type": "result", "id": 10,
                          "lesson": "L1", "live": False}, joined
        state = await receive_json(ws)
        assert state.get("type") == "lesson.state", state

        # The embedded relay checks the offer.
        await ws.send('{"v":1,"type":"publish","id":11,"sdp":"v=0\\r\\n"}')
        await expect_error(ws, "bad_sdp", 11)
    print("ok - errors are answered and the connection stays usable")


async def check_remote_sees_not_live(port):
    async with connect(port) as lead, connect(port) as remote:
        await lead.send(hello(1, "lead", "lead-room"))
        await expect_result(lead, 1)
        await lead.send('{"v":1,"type":"lesson.join","id":2,'
                        '"lesson":"L2"}')
        await expect_joined(lead, 2, "L2")

        await remote.send(hello(1, "remote", "remote-room"))
        await expect_result(remote, 1)
        await remote.send('{"v":1,"type":"lesson.join","id":2,'
                          '"lesson":"nope"}')
        await expect_error(remote, "unknown_lesson", 2)
        await remote.send('{"v":1,"type":"lesson.join","id":3,'
                          '"lesson":"L2"}')
        await expect_joined(remote, 3, "L2")
        await remote.send('{"v":1,"type":"subscribe","id":4,"sdp":"v=0"}')
        await expect_error(remote, "not_live", 4)
    print("ok - a remote gets unknown_lesson and not_live over the socket")


async def check_chat_and_log(port):
    async with connect(port) as lead, connect(port) as remote:
        await lead.send(hello(1, "lead", "lead-4"))
        await expect_result(lead, 1)
        await lead.send('{"v":1,"type":"lesson.join","id":2,"lesson":"L4"}')
        await expect_joined(lead, 2, "L4")

        await remote.send(hello(1, "remote", "remote-4"))
        await expect_result(remote, 1)
        await remote.send('{"v":1,"type":"lesson.join","id":2,'
                          '"lesson":"L4"}')
        await expect_joined(remote, 2, "L4")

        await remote.send('{"v":1,"type":"chat.send","id":3,'
                          '"text":" 我们准备好了 "}')
        sent = await expect_result(remote, 3)
        assert sent.get("seq") == 1, sent
        for ws in (remote, lead):
            chat = await receive_json(ws)
            assert chat.get("type") == "chat", chat
            assert chat.get("text") == "我们准备好了", chat
            assert chat.get("from") == "remote-4", chat

        await remote.send('{"v":1,"type":"floor.grant","id":4,'
                          '"classroom":"remote-4"}')
        await expect_error(remote, "forbidden", 4)

    log = http_get_json(port, "/api/v1/lessons/L4/log")
    events = log["runs"][-1]["events"]
    assert [(e["kind"], e["by"], e.get("text")) for e in events] == \
        [("chat", "remote-4", "我们准备好了")], log
    print("ok - chat reaches the lesson, a remote may not grant the floor, "
          "and the lesson log has the message")


async def check_too_large_closes(port):
    async with connect(port) as ws:
        await ws.send(["{" + "a" * 40000, "b" * 40000 + "}"])
        await expect_error(ws, "too_large")
        try:
            await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT)
            raise AssertionError("connection stayed open after too_large")
        except websockets.ConnectionClosed as closed:
            assert closed.code == 1009, closed.code
    print("ok - an oversized message gets too_large and a 1009 close")


async def expect_unauthorized(port, token, what):
    async with connect(port) as ws:
        await ws.send(hello(1, "remote", "room-2", token))
        reply = await expect_error(ws, "unauthorized", 1)
        assert token is None or token == "" or token not in reply["message"], \
            reply
        try:
            await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT)
            raise AssertionError(f"connection stayed open after {what}")
        except websockets.ConnectionClosed as closed:
            assert closed.code == 1008, (what, closed.code)


async def check_unauthorized_closes(port, data_dir):
    with open(os.path.join(data_dir, "jwt.key")) as key_file:
        key = bytes.fromhex(key_file.read().strip())
    now = int(time.time())
    expired = sign_token(key, {"iss": "shuangshi", "role": "classroom",
                               "sub": "room-2", "iat": now - 7200,
                               "exp": now - 3600})
    forged = sign_token(b"\x01" * len(key),
                        {"iss": "shuangshi", "role": "admin", "iat": now,
                         "exp": now + 3600})
    other_room = http_post_json(port, "/api/v1/classrooms",
                                {"id": "room-3", "name": "Room 3"})["token"]

    await expect_unauthorized(port, "", "a missing token")
    await expect_unauthorized(port, expired, "an expired token")
    await expect_unauthorized(port, forged, "a forged token")
    await expect_unauthorized(port, other_room, "another classroom's token")
    print("ok - missing, expired, forged and wrong-classroom tokens get "
          "unauthorized and a 1008 close")


async def open_idle_connection(port):
    ws = await connect(port)
    await ws.send(hello(1, "remote", "idle"))
    await expect_result(ws, 1)
    return ws


async def run_checks(port, data_dir):
    await check_handshake_rules(port)
    await check_unauthorized_closes(port, data_dir)
    await check_errors_keep_connection(port)
    await check_remote_sees_not_live(port)
    await check_chat_and_log(port)
    await check_too_large_closes(port)
    return await open_idle_connection(port)


async def wait_closed(ws):
    try:
        await asyncio.wait_for(ws.wait_closed(), REPLY_TIMEOUT)
    finally:
        await ws.close()


def main():
    binary = sys.argv[1]
    http_port = free_port(socket.SOCK_STREAM)
    relay_port = free_port(socket.SOCK_DGRAM)

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = os.path.join(scratch, "data")
        server = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{http_port}", "--data-dir",
             data_dir, "--relay-bind", "127.0.0.1", "--relay-port",
             str(relay_port), "--relay-workers", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            status, body = wait_until_healthy(server, http_port)
            assert (status, body) == (200, b"ok"), (status, body)
            assert http_get(http_port, "/nope")[0] == 404
            mode = stat.S_IMODE(os.stat(data_dir).st_mode)
            assert mode == 0o700, oct(mode)
            print("ok - /healthz, 404 and a 0700 data directory")

            loop = asyncio.new_event_loop()
            global admin_token
            with open(os.path.join(data_dir, "admin.token")) as token_file:
                admin_token = token_file.read().strip()
            idle = loop.run_until_complete(run_checks(http_port, data_dir))

            # SIGTERM with a client connected: it is closed, exit status 0.
            server.send_signal(signal.SIGTERM)
            loop.run_until_complete(wait_closed(idle))
            loop.close()
            output, _ = server.communicate(timeout=REPLY_TIMEOUT)
            assert server.returncode == 0, server.returncode
            assert "closed after" in output, output
            print("ok - SIGTERM closes the connections and exits 0")
        finally:
            if server.poll() is None:
                server.kill()
                print(server.communicate()[0])


if __name__ == "__main__":
    main()
