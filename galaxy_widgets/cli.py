"""``galaxy-widgets``: manage the local Galaxy, run the demo notebook, watch a sequencer folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import local, profiles


def _local(args: argparse.Namespace) -> int:
    server = local.LocalGalaxy(args.data_dir, port=args.port, prefix=args.prefix)
    if args.action == "install":
        local.install()
    elif args.action == "start":
        state = server.start()
        gi = server.client()
        local.seed_demo(gi)
        if not args.no_profile:
            has_default = profiles.default_profile() is not None
            profiles.save_profile(args.profile, state.url, state.api_key, default=not has_default)
            print(f"Saved profile {args.profile!r} in {profiles.profiles_file()}.")
        print(f"Galaxy is running at {state.url} as {local.ADMIN_EMAIL} (pid {state.pid}).")
        print(f"Web UI login: {local.ADMIN_EMAIL}, password in {server.state_file} (mode 0600).")
    elif args.action == "stop":
        print("Stopped." if server.stop() else "Not running.")
    elif args.action == "status":
        running = server.is_running()
        print(f"{'running at ' + str(server.url) if running else 'not running'} (data in {server.data_dir})")
        return 0 if running else 3
    return 0


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
    p.add_argument("--profile", default="local", help="profile name to save (default: local)")
    p.add_argument("--no-profile", action="store_true", help="do not save a profile")
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
