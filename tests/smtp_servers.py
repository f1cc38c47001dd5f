"""Real local SMTP servers for the mail tests: one that hangs, one that records.

Both listen on a real socket, so that Django's SMTP backend, in the test
process or in a worker process, connects to them as to a site's server.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes

import django
from aiosmtpd.controller import Controller

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mail_settings(port, timeout=None) -> dict:
    """The settings that send the site's mail to ``127.0.0.1:port``."""
    if django.VERSION >= (6, 1):
        options = {"host": "127.0.0.1", "port": port, "timeout": timeout}
        return {"MAILERS": {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": options}}}
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_TIMEOUT": timeout,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangingServer:
    """Accepts every connection and never says a word; counts connections."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.connected = threading.Event()
        self._open = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return  # closed
            self._open.append(connection)
            self.connections += 1
            self.connected.set()

    def close(self):
        self.listener.close()
        for connection in self._open:
            connection.close()


class RecordingServer:
    """An SMTP server (aiosmtpd) that keeps what it accepts.

    ``refuse`` messages are answered ``451`` first; with ``hold_at`` set, the
    message after that many accepted ones is held unanswered until
    :attr:`release` is set, and then refused.
    """

    def __init__(self, refuse=0, hold_at=None):
        self.refuse = refuse
        self.hold_at = hold_at
        self.attempts = 0
        self.messages = []
        self.held = threading.Event()
        self.release = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        if self.hold_at is not None and len(self.messages) >= self.hold_at:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def close(self):
        self.release.set()
        self.controller.stop()
