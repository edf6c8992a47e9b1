"""A real SMTP server on loopback (aiosmtpd) for the subscription tests."""

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every message accepted (parsed; `.raw` holds its bytes as received, `.peer` the
    connection they came on); can refuse the
    first `fail_first` messages with a 451 and pause before accepting each recipient (to widen
    the window in which a worker is killed)."""

    def __init__(self):
        self.messages = []
        self.fail_first = 0
        self.rcpt_delay = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message.raw = envelope.content  # the bytes as they came over the wire
            message.peer = session.peer  # the client's address and port: one per connection
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.messages)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_server(settings):
    """Django sends through its SMTP backend to this server for the length of a test
    (the `smtp_server` fixture in conftest.py)."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    recorder.url = f"smtp://127.0.0.1:{port}"
    yield recorder
    controller.stop()


def body(message, subtype="plain"):
    return message.get_body(preferencelist=(subtype,)).get_content()
