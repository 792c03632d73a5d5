"""The `musclemap` command line. Sub-commands live in `musclemap_bench/commands/` and are
imported only when used, so `musclemap --help` stays fast and a missing optional extra
(torch, yt-dlp, ...) only affects the command that needs it."""

from __future__ import annotations

import importlib
import sys

import click

from musclemap_bench import __version__
from musclemap_bench.errors import MusclemapError


def _discover() -> dict[str, str]:
    """Command name -> "module:attribute" for every `commands/<name>_cmd.py` module, which
    must define a click command named `<name>` (command name: underscores become dashes)."""
    import pkgutil

    from musclemap_bench import commands

    found = {}
    for mod in pkgutil.iter_modules(commands.__path__):
        if mod.name.endswith("_cmd"):
            attr = mod.name[: -len("_cmd")]
            found[attr.replace("_", "-")] = f"musclemap_bench.commands.{mod.name}:{attr}"
    return found


COMMANDS: dict[str, str] = _discover()


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ImportError as exc:
            missing = exc.name or str(exc)
            if missing.startswith("musclemap_bench"):
                raise
            raise click.ClickException(
                f"'musclemap {name}' needs the optional dependency {missing!r}: "
                "pip install 'musclemap-bench[all]'"
            ) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MusclemapError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="musclemap")
def main() -> None:
    """musclemap-bench: video-based Activated Muscle Group Estimation benchmark."""
