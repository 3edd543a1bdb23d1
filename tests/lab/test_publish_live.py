"""The opt-in forwarder: a desktop client on this machine reaches Postfix via 127.0.0.1 only."""

import smtplib
import socket
import subprocess
import sys

from lab import waiting


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_publish_forwards_localhost_to_postfix(running_lab):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "lab", "publish", f"postfix:25={port}"],
                            stdout=subprocess.PIPE, text=True)
    try:
        def connected():
            try:
                return smtplib.SMTP("127.0.0.1", port, timeout=10)
            except ConnectionRefusedError:
                return None

        smtp = waiting.until(lambda: connected() or proc.poll() is not None, 15, what="the forwarder to listen",
                             every=0.1)
        assert isinstance(smtp, smtplib.SMTP), f"the forwarder exited ({proc.returncode}) before it listened"
        code, reply = smtp.ehlo("desktop.example")
        smtp.quit()
        assert code == 250 and reply.startswith(b"postfix.lab.example")
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{port}" in listening and "0.0.0.0" not in listening.split()[3]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
