"""``galaxy-widgets``: manage the local Galaxy, run the demo notebook, watch a sequencer folder."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from . import local, profiles


def _local(args: argparse.Namespace) -> int:
    server = local.LocalGalaxy(
        args.data_dir,
        port=args.port,
        prefix=args.prefix,
        version=getattr(args, "version", None) or local.GALAXY_VERSION,
        production=getattr(args, "production", False),
    )
    if args.action == "install":
        local.install(server.version)
    elif args.action == "start":
        state = server.start()
        gi = server.client()
        local.seed_demo(gi)
        profile: str | None = None
        if not args.no_profile:
            has_default = profiles.default_profile() is not None
            profiles.save_profile(args.profile, state.url, state.api_key, default=not has_default)
            print(f"Saved profile {args.profile!r} in {profiles.profiles_file()}.")
            profile = "" if profiles.default_profile() == args.profile else args.profile
        print(start_message(server, state, profile, args.data_dir))
    elif args.action == "stop":
        print("Stopped." if server.stop() else "Not running.")
    elif args.action == "status":
        running = server.is_running()
        print(f"{'running at ' + str(server.url) if running else 'not running'} (data in {server.data_dir})")
        return 0 if running else 3
    return 0


def start_message(
    server: local.LocalGalaxy, state: local.ServerState, profile: str | None, data_dir: str | None
) -> str:
    """What a user needs next: the URL, the web login, the notebook lines and how to stop.

    ``profile`` is "" when the saved profile is the default one, its name when it is not, and None
    when none was saved. Neither the password nor the key is printed: they stay in the 0600 state file.
    """
    where = f" --data-dir {shlex.quote(data_dir)}" if data_dir else ""
    if profile is None:
        connect = f'%galaxy connect {state.url}    (the API key: "api_key" in the file above)'
    else:
        connect = "%galaxy connect" + (f" --profile {profile}" if profile else "")
    lines = [
        f"Galaxy is running at {state.url} (pid {state.pid}, data in {server.data_dir}).",
        "",
        f"Web UI: open {state.url} and log in as {local.ADMIN_EMAIL}; the password is the",
        f'  "admin_password" in {server.state_file} (readable by you only, mode 0600).',
        "",
        "In a notebook:",
        "  %load_ext galaxy_widgets",
        f"  {connect}",
        "",
        f"Stop it with: galaxy-widgets local stop{where}",
    ]
    return "\n".join(lines)


def _demo(args: argparse.Namespace) -> int:
    """Make sure a Galaxy is reachable (starting the local one if none is configured), then run a
    notebook against it and save the executed copy."""
    from .errors import GalaxyError

    try:
        profiles.resolve()
    except GalaxyError:
        print("No Galaxy configured: starting a local one (first time: installs Galaxy, ~5 min).")
        ns = argparse.Namespace(
            action="start", data_dir=None, port=None, prefix="", profile="local", no_profile=False
        )
        _local(ns)
    import nbformat
    from nbclient import NotebookClient

    src = Path(args.notebook)
    nb = nbformat.read(src, as_version=4)
    print(f"Running {src} ...")
    NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}}
    ).execute()
    out = Path(args.output) if args.output else src.with_name(src.stem + ".executed.ipynb")
    nbformat.write(nb, out)
    print(f"Done: executed notebook saved as {out}")
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; give one from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port; give one from 1 to 65535, e.g. 8089")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="galaxy-widgets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("local", help="install, start, stop or check the local Galaxy")
    p.add_argument("action", choices=["install", "start", "stop", "status"])
    p.add_argument("--data-dir", default=None, help="where its database and files go")
    p.add_argument("--port", type=_port, default=None, help="TCP port on 127.0.0.1 (1-65535)")
    p.add_argument("--prefix", default="", help="serve under a sub-path, e.g. /galaxy")
    p.add_argument(
        "--version",
        default=local.GALAXY_VERSION,
        help=f"the Galaxy release from PyPI, 25.0.1 or later (default: {local.GALAXY_VERSION})",
    )
    p.add_argument("--profile", default="local", help="profile name to save (default: local)")
    p.add_argument("--no-profile", action="store_true", help="do not save a profile")
    p.add_argument(
        "--production",
        action="store_true",
        help="PostgreSQL (a private cluster of Debian's postgresql) instead of SQLite, as big servers run",
    )
    p.set_defaults(func=_local)

    p = sub.add_parser("demo", help="run an example notebook against your Galaxy (or a local one)")
    p.add_argument("notebook", nargs="?", default="notebooks/01_quickstart.ipynb")
    p.add_argument("-o", "--output", default=None, help="where to save the executed notebook")
    p.set_defaults(func=_demo)

    try:
        from .watch import add_parser as add_watch
    except ImportError:
        pass
    else:
        add_watch(sub)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from .errors import GalaxyError

        if isinstance(exc, GalaxyError | local.LocalGalaxyError):
            print(f"galaxy-widgets: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
