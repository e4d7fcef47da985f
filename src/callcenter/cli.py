"""The `callcenter` command: `serve`, `demo`, `migrate`, and any Django command via `manage`.

    callcenter serve [--host 127.0.0.1] [--port 8000]   the product, in one process
    callcenter demo                                     load the demo data (idempotent)
    callcenter migrate                                  create or update the database
    callcenter manage COMMAND [ARGS…]                   any Django management command

A bad setting stops every command with a message saying how to fix it (exit status 2),
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import callcenter

if TYPE_CHECKING:
    from callcenter.engine.switch import EngineConfig

EXIT_CONFIG = 2
DIGESTS = {
    "md5": ("MD5",),
    "sha256": ("SHA-256",),
    "md5,sha256": ("MD5", "SHA-256"),
    "sha256,md5": ("SHA-256", "MD5"),
}


def _fail(message: str) -> int:
    print(f"callcenter: {message}", file=sys.stderr)
    return EXIT_CONFIG


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.web.settings")
    import django

    django.setup()


def _database_problem() -> str | None:
    """Why the database cannot be used, or None when it can."""
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        settings_dict = connection.settings_dict
        where = settings_dict.get("HOST") or settings_dict.get("NAME")
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"cannot connect to the {connection.vendor} database at {where}: {first_line}. "
            "Check DATABASE_URL (or unset it to use SQLite in the data folder)."
        )
    return None


def _unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _print_banner(args: argparse.Namespace) -> None:
    from django.conf import settings

    from callcenter.web import demo

    host, port = args.host, args.port
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"callcenter {callcenter.__version__}")
    print(f"  web:      http://{shown_host}:{port}/  (listening on {host}:{port})")
    if not args.no_sip:
        print(f"  SIP:      udp and tcp on {args.sip_host}:{args.sip_port}, realm {args.sip_realm}")
    print(f"  data:     {settings.DATA_DIR}")
    print(f"  database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    if demo.is_loaded():
        print("  demo logins (agent ID / password):")
        for who, password, what in demo.DEMO_LOGINS:
            print(f"    {who:<16} {password:<12} {what}")
    sys.stdout.flush()


def _engine_config(args: argparse.Namespace) -> EngineConfig:
    import hashlib
    import hmac

    from django.conf import settings

    from callcenter.engine.switch import EngineConfig
    from callcenter.sip.auth import Algorithm

    # Nonces are signed with a key derived from the secret key: servers sharing it (a 1+1
    # pair) accept each other's nonces.
    nonce_secret = hmac.new(
        settings.SECRET_KEY.encode(), b"sip digest nonces", hashlib.sha256
    ).digest()
    return EngineConfig(
        nonce_secret=nonce_secret,
        sip_host=args.sip_host,
        sip_port=args.sip_port,
        realm=args.sip_realm,
        digest_algorithms=tuple(Algorithm(name) for name in DIGESTS[args.sip_digest]),
        rtp_low=args.rtp_ports[0],
        rtp_high=args.rtp_ports[1],
        recordings=Path(settings.RECORDINGS_DIR),
        ring_timeout=args.ring_timeout,
        media_timeout=args.media_timeout,
        prompts=Path(settings.DATA_DIR) / "prompts",
    )


async def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from callcenter.boss.worker import BossWorker
    from callcenter.telephony import switch
    from callcenter.web.asgi import application

    host, port = args.host, args.port
    engine = sink = sink_task = None
    # Forwards to BOSS waiting in the outbox (`callcenter.boss.worker`), sent with retries.
    boss_task = asyncio.create_task(BossWorker().run_forever(), name="boss-outbox")
    if not args.no_sip:
        from callcenter.engine.runtime import tune_garbage_collector
        from callcenter.engine.switch import Engine
        from callcenter.telephony.directory import DjangoDirectory
        from callcenter.telephony.event_sink import DjangoEventSink

        sink = DjangoEventSink()
        sink_task = asyncio.create_task(sink.run(), name="event-sink")
        engine = Engine(_engine_config(args), DjangoDirectory(), sink)
        try:
            await engine.start()
            tune_garbage_collector()
            switch.attach(engine)
        except OSError as error:
            sink_task.cancel()
            boss_task.cancel()
            raise StartupError(
                f"cannot listen for SIP on {args.sip_host}:{args.sip_port}: {error.strerror}. "
                "Choose another address or port with --sip-host/--sip-port, or --no-sip."
            ) from error

    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        loop="none",  # the loop is ours (uvloop), shared with the switch
        http="httptools",
        ws="websockets-sansio",
        lifespan="off",
        log_level="info",
        access_log=False,
        server_header=False,
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        boss_task.cancel()
        await asyncio.gather(boss_task, return_exceptions=True)
        if engine is not None:
            switch.attach(None)
            await engine.stop()
        if sink is not None and sink_task is not None:
            sink_task.cancel()
            await asyncio.gather(sink_task, return_exceptions=True)
            await sink.drain()


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        first, last = int(low), int(high)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected LOW-HIGH, like 20000-29999, not {text!r}"
        ) from None
    if not 1024 <= first < last <= 65535 or last - first < 3:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the range must lie within 1024-65535 and hold at least 4 ports"
        )
    return first, last


class StartupError(Exception):
    """The product cannot start as configured; the message says how to fix it."""


def cmd_serve(args: argparse.Namespace) -> int:
    problem = _database_problem()
    if problem:
        return _fail(problem)
    pending = _unapplied_migrations()
    if pending:
        return _fail(
            f"the database is not up to date ({len(pending)} migrations to apply, first "
            f"{pending[0]}). Run `callcenter migrate` first."
        )
    _print_banner(args)
    import uvloop

    try:
        uvloop.run(_serve(args))
    except StartupError as error:
        return _fail(str(error))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from callcenter.web import demo

    problem = _database_problem()
    if problem:
        return _fail(problem)
    if _unapplied_migrations():
        return _fail("the database is not up to date. Run `callcenter migrate` first.")
    try:
        created = demo.load()
    except demo.DemoRefused as refusal:
        return _fail(str(refusal))
    total = sum(created.values())
    detail = ", ".join(f"{name} {count}" for name, count in created.items())
    if total:
        print(f"demo data loaded: {total} rows created ({detail})")
    else:
        print("demo data already present: nothing changed")
    return 0


def cmd_manage(argv: Sequence[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["callcenter", *argv])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callcenter", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=callcenter.__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web and the switch in one process")
    serve.add_argument("--host", default="127.0.0.1", help="web address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="web port (default 8000)")
    serve.add_argument("--sip-host", default="0.0.0.0", help="SIP address (default 0.0.0.0)")
    serve.add_argument("--sip-port", type=int, default=5060, help="SIP port, UDP and TCP (5060)")
    serve.add_argument("--sip-realm", default="callcenter", help="digest realm (callcenter)")
    serve.add_argument(
        "--sip-digest",
        choices=sorted(DIGESTS),
        default="md5",
        help="digest algorithms offered to phones (default md5; sha256 breaks some phones)",
    )
    serve.add_argument(
        "--rtp-ports",
        type=_port_range,
        default=(20000, 29999),
        metavar="LOW-HIGH",
        help="RTP port range for call audio (default 20000-29999)",
    )
    serve.add_argument(
        "--ring-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long a called phone rings before the caller hears 'no answer' (60)",
    )
    serve.add_argument(
        "--media-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="end an answered call when no audio has come for this long (60; 0: never)",
    )
    serve.add_argument("--no-sip", action="store_true", help="run the web only")
    commands.add_parser("demo", help="load the demo data (creates only what is missing)")
    commands.add_parser("migrate", help="create or update the database tables", add_help=False)
    commands.add_parser("manage", help="run a Django management command", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    from callcenter.web.config import ConfigError

    try:
        if args_list[:1] == ["manage"]:
            _setup_django()
            return cmd_manage(args_list[1:])
        if args_list[:1] == ["migrate"]:
            _setup_django()
            return cmd_manage(args_list)
        args = build_parser().parse_args(args_list)
        _setup_django()
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "demo":
            return cmd_demo(args)
    except ConfigError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args_list!r}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
