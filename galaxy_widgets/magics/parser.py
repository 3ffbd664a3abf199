"""Argument parsing for ``%galaxy``: one argparse parser per subcommand, errors as ``UsageError``.

Subcommands register themselves with :func:`command` (and :func:`arg` for their arguments); the
magic looks the first word up in :data:`COMMANDS` and hands the rest to that parser.
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from IPython.core.error import UsageError


class HelpShown(Exception):
    """``--help`` was printed; the magic returns nothing."""


class MagicParser(argparse.ArgumentParser):
    """An ArgumentParser that raises ``UsageError`` instead of exiting the kernel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse(self, words: list[str]) -> argparse.Namespace:
        """Parse, letting list positionals and options mix (``ls --page 2 name:x``).

        (``parse_intermixed_args`` would do, but it breaks on a ``%`` in the program name.)
        """
        ns, rest = self.parse_known_args(words)
        if rest:
            spill = next((a for a in self._actions if not a.option_strings and a.nargs in ("*", "+")), None)
            if spill is None or any(w.startswith("-") and len(w) > 1 and not w[1].isdigit() for w in rest):
                self.error(f"unrecognized arguments: {' '.join(rest)}")
            setattr(ns, spill.dest, [*(getattr(ns, spill.dest) or []), *rest])
        return ns

    def error(self, message: str) -> NoReturn:
        raise UsageError(
            f"{self.prog}: {message}.\nUsage: {self.format_usage().strip()[7:]}\nSee `{self.prog} --help`."
        )

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status == 0:
            raise HelpShown()
        raise UsageError(message or f"{self.prog}: invalid arguments")


Handler = Callable[..., Any]


@dataclass
class Command:
    """One subcommand: its name, one-line summary, parser and handler."""

    name: str
    summary: str
    parser: MagicParser
    handler: Handler
    cell: str = ""  # what a %%galaxy cell body means for this subcommand ("" = not accepted)


COMMANDS: dict[str, Command] = {}
#: The order ``%galaxy --help`` lists subcommands in (others follow in registration order).
ORDER = (
    "connect",
    "login",
    "status",
    "disconnect",
    "histories",
    "use",
    "ls",
    "show",
    "get",
    "put",
    "upload",
    "edit",
    "tools",
    "tool",
    "workflows",
    "workflow",
    "workflow import",
    "run",
    "wait",
    "cancel",
    "rerun",
    "browse",
    "panel",
    "pick",
    "launch",
    "monitor",
    "api",
    "log",
)


def arg(*names: str, **kwargs: Any) -> Callable[[Handler], Handler]:
    """Declare one argument of a subcommand (like IPython's ``@argument``)."""

    def deco(func: Handler) -> Handler:
        func.__dict__.setdefault("_gw_args", []).insert(0, (names, kwargs))
        return func

    return deco


def command(name: str, summary: str, *, example: str = "", cell: str = "") -> Callable[[Handler], Handler]:
    """Register ``func(magics, args, cell)`` as ``%galaxy NAME``."""

    def deco(func: Handler) -> Handler:
        epilog = f"Example:\n  {example}" if example else None
        if cell:
            epilog = (epilog + "\n\n" if epilog else "") + f"As a cell magic (%%galaxy {name}): {cell}"
        parser = MagicParser(prog=f"%galaxy {name}", description=summary, epilog=epilog)
        for names, kwargs in func.__dict__.get("_gw_args", []):
            if kwargs.get("help"):  # argparse %-formats help: keep a literal %galaxy
                kwargs = {**kwargs, "help": kwargs["help"].replace("%", "%%")}
            parser.add_argument(*names, **kwargs)
        COMMANDS[name] = Command(name, summary, parser, func, cell)
        return func

    return deco


def out_arg() -> Callable[[Handler], Handler]:
    """The shared ``-o VAR`` option: store the result in a notebook variable instead of showing it."""
    return arg(
        "-o",
        "--out",
        metavar="VAR",
        type=variable_name,
        help="store the result in this variable (nothing is shown)",
    )


def variable_name(text: str) -> str:
    if not text.isidentifier() or keyword.iskeyword(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid Python variable name")
    return text


def split_line(line: str) -> list[str]:
    """Split a magic line like a shell would (quotes group words), except that an apostrophe
    inside a word (``MGnify's``) is text, and so is a lone one that opens no closed quote."""
    try:
        return shlex.split(_literal_apostrophes(line, inside_words_only=True))
    except ValueError:
        pass
    try:
        return shlex.split(_literal_apostrophes(line, inside_words_only=False))
    except ValueError as exc:
        raise UsageError(f"Cannot read `%galaxy {line.strip()}`: {exc} (check the quotes).") from None


def _literal_apostrophes(line: str, *, inside_words_only: bool) -> str:
    """Escape the apostrophes outside double quotes that are text: those between two letters or
    digits, or (``inside_words_only=False``) every one."""
    out, quote = [], ""
    for i, c in enumerate(line):
        if quote:
            if c == quote and not (quote == '"' and line[i - 1 : i] == "\\"):
                quote = ""
        elif (
            c == "'"
            and line[i - 1 : i] != "\\"
            and (not inside_words_only or (line[i - 1 : i].isalnum() and line[i + 1 : i + 2].isalnum()))
        ):
            out.append("\\'")
            continue
        elif c in "\"'" and line[i - 1 : i] != "\\":
            quote = c
        out.append(c)
    return "".join(out)


def lookup(words: list[str]) -> tuple[Command, list[str]]:
    """The subcommand the words name (two-word ones like ``workflow import`` first) and its args."""
    if len(words) > 1 and f"{words[0]} {words[1]}" in COMMANDS:
        return COMMANDS[f"{words[0]} {words[1]}"], words[2:]
    return find(words[0]), words[1:]


def find(name: str) -> Command:
    """The subcommand called ``name``; a ``UsageError`` suggesting the closest one otherwise."""
    if name in COMMANDS:
        return COMMANDS[name]
    close = difflib.get_close_matches(name, list(COMMANDS), n=3)
    close += [c for c in COMMANDS if c.endswith(f" {name}") and c not in close]  # import: workflow import
    hint = f" Did you mean {' or '.join(f'`%galaxy {c}`' for c in close)}?" if close else ""
    raise UsageError(f"Unknown subcommand {name!r}.{hint} `%galaxy --help` lists them all.")


def overview() -> str:
    """The text of ``%galaxy --help``: every subcommand on one line."""
    width = max(len(n) for n in COMMANDS) + 2
    lines = [
        "Usage: %galaxy SUBCOMMAND [ARGS]   (or %%galaxy SUBCOMMAND [ARGS] with a cell body)",
        "",
        "Drive a Galaxy server: connect, browse histories, move data in and out of notebook",
        "variables, run tools and workflows. ITEM is a hid (12 or #12), an encoded id, name:NAME,",
        "or a variable holding a dataset/collection.",
        "",
        "Subcommands:",
    ]
    names = sorted(COMMANDS, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
    lines += [f"  {n:<{width}}{COMMANDS[n].summary}" for n in names]
    lines += [
        "",
        "`%galaxy SUBCOMMAND --help` shows one subcommand's arguments and an example.",
        "Settings: `%config GalaxyMagics` lists them, e.g. `%config GalaxyMagics.autopandas = False`.",
    ]
    return "\n".join(lines)
