"""The opt-in forwarder: a desktop client on this machine reaches Postfix via 127.0.0.1 only."""

import smtplib
import socket
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_publish_forwards_localhost_to_postfix(running_lab):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "lab", "publish", f"postfix:25={port}"],
                            stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline and proc.poll() is None, "the forwarder never listened"
                time.sleep(0.1)
        code, reply = smtp.ehlo("desktop.example")
        smtp.quit()
        assert code == 250 and reply.startswith(b"postfix.lab.example")
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{port}" in listening and "0.0.0.0" not in listening.split()[3]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
