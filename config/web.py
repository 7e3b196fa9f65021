"""The web server: ``python -m config.web [daphne's arguments]``, what config/serve.py and the
Dockerfile start. It is daphne, run as its own command line runs it, less one thing an endpoint
that SDK clients poll hundreds of times a second pays for on every request: Twisted parsing a
POST body's Content-Type (through the email package) to turn form bodies into arguments that
daphne never reads; daphne hands every body to the application as it came. That parse was about
a fifteenth of the server's time for a DescribeExecution.

And one thing Twisted does on every response: it registers the socket with the event loop for
writing and sends on the loop's next turn, when epoll reports the socket writable, then
unregisters it: two epoll_ctl calls and a pass through the selector for every reply on a socket
that is nearly always writable. Here a reply is sent on the loop's next turn without that (every
write of the same turn together: the status line, headers and body go in one send); only what the
socket does not take at once waits for epoll, as before.
"""
from __future__ import annotations

import sys

import daphne.http_protocol
import daphne.server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from twisted.internet import tcp
from twisted.internet.abstract import FileDescriptor

__all__ = ["main"]


class _Request(WebRequest):
    """Daphne's request, without Twisted's parse of form bodies (``request.args`` stays empty)."""

    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


class _HTTPFactory(HTTPFactory):
    def log(self, request) -> None:
        """Nothing: Twisted's own access line per request went to a log nobody reads (daphne writes
        the access log, where ACCESS_LOG asks for one)."""

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = _Request
        return protocol


def _start_writing(self: tcp.Server) -> None:
    """``startWriting`` of an accepted connection: send on the loop's next turn, not through epoll
    (the send is the reactor's own, so producers are paused and resumed as ever). A connection
    closing, half-closed or already waiting for epoll goes the usual way."""
    reactor = self.reactor
    if self.disconnecting or self._writeDisconnecting or self in reactor._writers:
        FileDescriptor.startWriting(self)
    elif not self._send_queued:
        self._send_queued = True
        reactor._asyncioEventloop.call_soon(_send, self)


def _send(connection: tcp.Server) -> None:
    """What the reactor does when epoll says the socket is writable (errors and a lost connection
    included); what the socket did not take waits for epoll."""
    connection._send_queued = False
    if not connection.connected:
        return
    connection.reactor._readOrWrite(connection, False)
    if connection.connected and (connection.offset < len(connection.dataBuffer) or connection._tempDataLen):
        FileDescriptor.startWriting(connection)


def _send_without_epoll(reactor) -> bool:
    """Install :func:`_start_writing` where this Twisted has what it uses; True if it did."""
    needed = (hasattr(reactor, "_asyncioEventloop") and hasattr(reactor, "_readOrWrite")
              and hasattr(reactor, "_writers") and hasattr(FileDescriptor, "_writeDisconnecting"))
    if needed:
        tcp.Server._send_queued = False
        tcp.Server.startWriting = _start_writing
    return needed


def main(argv: list[str] | None = None) -> None:
    from twisted.internet import reactor  # daphne installed the asyncio reactor on import

    daphne.server.HTTPFactory = _HTTPFactory  # the name daphne's Server builds its HTTP factory from
    _send_without_epoll(reactor)
    # twisted.web.http is a proxy that looks for deprecated names on each attribute read, and daphne
    # reads it several times a request: let daphne read the module itself.
    try:
        daphne.http_protocol.http = object.__getattribute__(daphne.http_protocol.http, "_module")
    except AttributeError:  # a Twisted without the proxy
        pass
    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
