"""The ``zep-integrations`` command: ``serve`` and ``demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from zep_integrations._version import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``zep-integrations``."""
    parser = argparse.ArgumentParser(
        prog="zep-integrations",
        description="Zep long-term memory for LangChain and LlamaIndex, offline by default.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
