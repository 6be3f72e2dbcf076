"""`openbeian registry generate | import | export`: the round trip through the command, bad rows (exit 1, their
lines on stderr), and bad input (exit 2, one line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from openbeian.cli import main

from .bulkfiles import read_csv, write_csv


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(database: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--database", database, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_generate_import_export_through_the_command_round_trips(database: str, tmp_path: Path) -> None:
    source, back = tmp_path / "r.csv", tmp_path / "back.csv"
    code, out, _ = run(database, "registry", "generate", "--sites", "150", "--seed", "3", "--out", str(source))
    assert code == 0 and "150 sites" in out
    code, out, err = run(database, "registry", "import", str(source))
    assert (code, err) == (0, "") and out.startswith("150 new sites (0 already filed)")
    code, out, _ = run(database, "registry", "import", str(source))
    assert code == 0 and out.startswith("0 new sites (150 already filed)")
    code, out, _ = run(database, "registry", "export", "--out", str(back))
    assert code == 0 and back.read_bytes() == source.read_bytes()


def test_bad_rows_are_printed_with_their_lines_and_exit_1(database: str, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    run(database, "registry", "generate", "--sites", "10", "--out", str(source))
    rows = read_csv(source)
    rows[4]["mainLicence"] = "京ICP备XXXXXXXX号"
    write_csv(source, rows)
    code, out, err = run(database, "registry", "import", str(source))
    assert code == 1
    assert err.startswith("line 6: mainLicence:")
    assert out.startswith("nothing imported: 1 bad rows")
    code, out, err = run(database, "registry", "import", "--skip-bad", str(source))
    assert code == 1 and out.startswith("9 new sites") and err.startswith("line 6:")


@pytest.mark.parametrize(
    "args",
    [
        ("registry", "import", "missing.csv"),
        ("registry", "import", "{file}", "--format", "xml"),
        ("registry", "export", "--out", "{dir}/out.xml"),
        ("registry", "generate", "--sites", "5", "--out", "{dir}/out.txt"),
        ("registry", "import", "{dir}/headless.csv"),
    ],
    ids=["missing file", "unknown format", "unknown export extension", "unknown generate extension", "no header"],
)
def test_bad_input_exits_2_with_one_line(database: str, tmp_path: Path, args: tuple[str, ...]) -> None:
    good = tmp_path / "good.csv"
    good.write_text("unitName\n", encoding="utf-8")
    (tmp_path / "headless.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    filled = [a.format(file=good, dir=tmp_path) for a in args]
    code, out, err = run(database, *filled)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("openbeian: error:")
