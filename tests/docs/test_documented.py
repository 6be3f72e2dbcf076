"""The README stays true to the code: every CLI command and every setting is documented there (a new command or
setting without a line in the README fails here, as in datasette)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click
import pytest

from openbeian.cli import main
from openbeian.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path))
    return paths


@pytest.mark.parametrize("path", _command_paths(main), ids=" ".join)
def test_every_cli_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    # Documented as "group sub", or on a README line that lists the group's subcommands ("instances list | show").
    spelled = " ".join(path)
    listed = any(
        path[0] in line and re.search(rf"(^|[\s|`]){re.escape(path[-1])}([\s|`]|$)", line)
        for line in README.splitlines()
    )
    assert spelled in README or (len(path) > 1 and listed), spelled


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_in_the_readme_and_has_help(name: str) -> None:
    variable = f"OPENBEIAN_{name.upper()}"
    prefix_listed = any(
        variable.startswith(f"OPENBEIAN_{group.upper()}") and f"`OPENBEIAN_{group.upper()}" in README
        for group in ("smtp", "upload", "rate_limit")
    )
    assert variable in README or prefix_listed, variable
    assert Settings.HELP.get(name), f"{name} has no help text"
