"""The web server: ``python -m config.web [daphne's arguments]``, what config/serve.py and the
Dockerfile start. It is daphne, run as its own command line runs it, less one thing an endpoint
that SDK clients poll hundreds of times a second pays for on every request: Twisted parsing a
POST body's Content-Type (through the email package) to turn form bodies into arguments that
daphne never reads; daphne hands every body to the application as it came. That parse was about
a fifteenth of the server's time for a DescribeExecution.
"""
from __future__ import annotations

import sys

import daphne.server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest

__all__ = ["main"]


class _Request(WebRequest):
    """Daphne's request, without Twisted's parse of form bodies (``request.args`` stays empty)."""

    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


class _HTTPFactory(HTTPFactory):
    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = _Request
        return protocol


def main(argv: list[str] | None = None) -> None:
    daphne.server.HTTPFactory = _HTTPFactory  # the name daphne's Server builds its HTTP factory from
    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
