"""The ``zep-integrations`` command: ``serve`` and ``demo``."""

from __future__ import annotations

import argparse
import os
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_serve(commands)
    _add_demo(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="serve the Zep-compatible API over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--db", default=None, help="SQLite file (default $ZEP_INTEGRATIONS_DB or the data dir)"
    )
    serve.add_argument(
        "--api-key",
        default=None,
        help="require 'Authorization: Api-Key KEY' (default $ZEP_SERVER_API_KEY)",
    )
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help="serve without an API key on a non-loopback --host (a deliberate choice)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="NAME[:PORT]",
        help="another Host name to answer to, repeatable (default $ZEP_SERVER_ALLOWED_HOSTS, "
        "comma-separated); loopback names and --host are always allowed",
    )
    serve.add_argument(
        "--allowed-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="a browser origin allowed to call, e.g. https://app.example, repeatable "
        "(default $ZEP_SERVER_ALLOWED_ORIGINS, comma-separated); others get 403",
    )
    serve.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    serve.add_argument(
        "--deterministic",
        action="store_true",
        help="fixed clock and sequential UUIDs, for recording repeatable cassettes",
    )
    serve.set_defaults(run=_run_serve)


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="show LangChain and LlamaIndex sharing Zep memory, offline"
    )
    demo.add_argument(
        "--db", default=None, help="SQLite file (default $ZEP_INTEGRATIONS_DB or the data dir)"
    )
    demo.add_argument("--reset", action="store_true", help="forget earlier demo runs first")
    demo.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    try:
        from zep_integrations.demo import run_demo

        return run_demo(args.db, reset=args.reset)
    except ImportError as exc:
        print(
            f"zep-integrations demo needs both frameworks ({exc.name} is missing): "
            "pip install 'zep-integrations[langchain,llama-index]'",
            file=sys.stderr,
        )
        return 1


def _run_serve(args: argparse.Namespace) -> int:
    from zep_integrations import _config
    from zep_integrations.server.asgi import serve

    db = args.db or os.environ.get(_config.ENV_DB_PATH) or _config.default_db_path()
    # Deliberately not ZEP_API_KEY: that one is the *client's* key for Zep Cloud.
    # An empty value (`--api-key ""`, or `ZEP_SERVER_API_KEY=` set but empty) is passed on as
    # empty, and refused: it must never mean "no authentication".
    api_key = args.api_key if args.api_key is not None else os.environ.get("ZEP_SERVER_API_KEY")
    try:
        serve(
            args.host,
            args.port,
            db,
            api_key,
            args.log_level,
            deterministic=args.deterministic,
            no_auth=args.no_auth,
            allowed_hosts=_listed(args.allowed_host, "ZEP_SERVER_ALLOWED_HOSTS"),
            allowed_origins=_listed(args.allowed_origin, "ZEP_SERVER_ALLOWED_ORIGINS"),
        )
    except ValueError as exc:
        print(f"zep-integrations serve: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"zep-integrations serve: {exc}", file=sys.stderr)
        return 1
    return 0


def _listed(given: list[str] | None, env: str) -> list[str]:
    """Option values, else the comma-separated environment variable (argument beats env)."""
    if given is not None:
        return given
    return [item.strip() for item in os.environ.get(env, "").split(",") if item.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    run = getattr(args, "run", None)
    return int(run(args)) if run is not None else 0


if __name__ == "__main__":
    sys.exit(main())
