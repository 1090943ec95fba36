"""The ``mrio`` command group: one-line errors, SIGTERM like Ctrl-C, subcommands imported when run.

Errors print as one line with reliable exit codes; SIGTERM unwinds like Ctrl-C; a closed pipe
(``mrio ... | head``) exits quietly.

Kept free of pandas and of the analysis layers, so that ``mrio --help`` starts fast: the group
lists each lazily imported subcommand from :data:`LAZY_COMMANDS` (module, attribute, one-line
help) and imports its module only when the command is run or its own ``--help`` is shown.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
import sys
import threading
import traceback

import click

from mrio.errors import InputError, MRIOError

#: Exit codes scripts can rely on.
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


#: Exit code after SIGTERM (128 + signal number, as a shell reports it).
EXIT_TERMINATED = 128 + signal.SIGTERM


def _terminate(signum, frame) -> None:
    raise SystemExit(EXIT_TERMINATED)  # unwinds like Ctrl-C: every temporary file is removed


def _on_sigterm_exit():
    """Treat SIGTERM (``kill``, ``timeout``, schedulers) like Ctrl-C; return the previous handler.

    The process unwinds, so that every ``finally`` and atomic write cleans up its temporary files.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _terminate)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


class MRIOGroup(click.Group):
    """A click group that prints errors as one line with a reliable exit code.

    ``mrio.errors.InputError`` (bad file, unknown label, bad option value) exits 2, like click's
    own usage errors; any other failure exits 1. ``mrio --debug`` adds the traceback.
    """

    def invoke(self, ctx: click.Context):
        previous = _on_sigterm_exit()
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # `mrio ... | head`: the reader left; stop quietly
            _silence_stdout()
            sys.exit(EXIT_OK)
        except MRIOError as exc:
            self._fail(ctx, f"error: {_one_line(exc)}", EXIT_BAD_INPUT if isinstance(exc, InputError)
                       else EXIT_FAILURE)
        except Exception as exc:  # noqa: BLE001 - any failure is one line and exit 1 for scripts
            self._fail(ctx, f"error: {type(exc).__name__}: {_one_line(exc)} (run `mrio --debug ...` for the "
                            "traceback)", EXIT_FAILURE)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    @staticmethod
    def _fail(ctx: click.Context, message: str, code: int) -> None:
        if ctx.obj and ctx.obj.get("debug"):
            traceback.print_exc()
        click.echo(message, err=True)
        sys.exit(code)


class _LazyCommands(dict):
    """``name -> command``; an entry stored as ``(module, attribute)`` is imported on first access."""

    def _load(self, name: str) -> click.Command:
        value = dict.__getitem__(self, name)
        if isinstance(value, tuple):
            value = getattr(importlib.import_module(value[0]), value[1])
            dict.__setitem__(self, name, value)
        return value

    def __getitem__(self, name: str) -> click.Command:
        return self._load(name)

    def get(self, name, default=None):
        return self._load(name) if name in self else default

    def values(self):
        return [self._load(name) for name in self]

    def items(self):
        return [(name, self._load(name)) for name in self]

    def loaded(self, name: str) -> bool:
        return not isinstance(dict.__getitem__(self, name), tuple)


class LazyGroup(MRIOGroup):
    """An :class:`MRIOGroup` whose subcommands are imported when used.

    Parameters
    ----------
    lazy_commands : dict
        ``name -> (module, attribute, one-line help)``; the help line is what ``mrio --help``
        shows without importing the module. Commands added with :meth:`add_command` work as usual.
    """

    def __init__(self, *args, lazy_commands: dict[str, tuple[str, str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_help = {name: help_ for name, (_, _, help_) in (lazy_commands or {}).items()}
        commands = _LazyCommands({name: (module, attr)
                                  for name, (module, attr, _) in (lazy_commands or {}).items()})
        commands.update(self.commands)
        self.commands = commands

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if isinstance(self.commands, _LazyCommands) and not self.commands.loaded(name):
                rows.append((name, self.lazy_help.get(name, "")))
                continue
            command = self.commands[name]
            if not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
