"""Files lost, left behind or exposed by the command line (issue 13, items 7, 9, 10 and 20).

``mrio shock --out`` swaps a result set in whole and deletes only what it wrote; SIGTERM cleans
up like Ctrl-C; ``--out`` problems are found before the work; ``mrio ... | head`` exits cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mrio.cli import main
from mrio.core import files
from mrio.testing import random_mrio

TWO_SHOCKS = ('[[shocks]]\nname = "a"\nmodel = "demand"\nregions = "R0"\nshare = 0.1\n'
              '[[shocks]]\nname = "b"\nmodel = "iim"\nregions = "R1"\nshare = 0.2\n')
ONE_SHOCK = '[[shocks]]\nname = "c"\nmodel = "supply"\nregions = "R1"\nshare = 0.1\n'
MANIFEST = ".mrio-shock.json"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def folder(tmp_path):
    random_mrio(2, 3, seed=3).write(tmp_path / "sys")
    return tmp_path


def scenario(folder: Path, shocks: str, name: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\ntable = "sys"\n[outputs]\nformat = "csv"\n{shocks}',
                    encoding="utf-8")
    return path


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def shock(runner, spec: Path, out: Path, *extra: str):
    return runner.invoke(main, ["shock", str(spec), "--out", str(out), "--quiet", *extra])


# ------------------------------------------------------------------------------------------ item 7
def test_rerun_of_the_same_scenario_replaces_its_own_files_and_keeps_the_users(runner, folder):
    first = scenario(folder, TWO_SHOCKS, "first")
    out = folder / "run"
    assert shock(runner, first, out).exit_code == 0
    assert listing(out) == {"a_industries.csv", "b_industries.csv", "summary.txt", MANIFEST}
    (out / "my_notes.txt").write_text("keep me")
    first.write_text(first.read_text().replace(TWO_SHOCKS, ONE_SHOCK))  # the scenario changed: one shock now
    result = shock(runner, first, out)
    assert result.exit_code == 0, result.output
    assert listing(out) == {"c_industries.csv", "summary.txt", MANIFEST, "my_notes.txt"}  # no orphans
    assert (out / "my_notes.txt").read_text() == "keep me"
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["scenario"] == "first" and sorted(manifest["files"]) == ["c_industries.csv", "summary.txt"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".run.")]


def test_results_of_another_scenario_are_not_deleted_without_overwrite(runner, folder):
    first, second = scenario(folder, TWO_SHOCKS, "first"), scenario(folder, ONE_SHOCK, "second")
    out = folder / "run"
    assert shock(runner, first, out).exit_code == 0
    (out / "thesis.docx").write_text("four years of work")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = shock(runner, second, out)
    assert result.exit_code == 2
    assert "holds the results of scenario 'first'" in result.output and "--overwrite" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    result = shock(runner, second, out, "--overwrite")
    assert result.exit_code == 0, result.output
    assert listing(out) == {"c_industries.csv", "summary.txt", MANIFEST, "thesis.docx"}
    assert "removed 2 files of the previous run of 'first'" in result.output


def test_an_edited_manifest_cannot_delete_other_files(runner, folder):
    spec = scenario(folder, TWO_SHOCKS, "first")
    out = folder / "run"
    assert shock(runner, spec, out).exit_code == 0
    (out / "thesis.docx").write_text("four years of work")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"]["thesis.docx"] = manifest["files"]["summary.txt"]  # listed, with some checksum
    (out / MANIFEST).write_text(json.dumps(manifest))
    spec.write_text(spec.read_text().replace(TWO_SHOCKS, ONE_SHOCK))
    result = shock(runner, spec, out)  # the same scenario: its own files go, the thesis is not its own
    assert result.exit_code == 0, result.output
    assert (out / "thesis.docx").read_text() == "four years of work"
    assert listing(out) == {"c_industries.csv", "summary.txt", MANIFEST, "thesis.docx"}


def test_a_foreign_non_empty_folder_is_refused_and_kept(runner, folder):
    spec = scenario(folder, TWO_SHOCKS, "first")
    out = folder / "mine"
    out.mkdir()
    (out / "summary.txt").write_text("my own summary")
    before = listing(folder)
    result = shock(runner, spec, out)
    assert result.exit_code == 2 and "not results of scenario 'first'" in result.output
    assert listing(folder) == before
    # --overwrite keeps foreign files; one the new result set would replace is refused, nothing changes
    result = shock(runner, spec, out, "--overwrite")
    assert result.exit_code == 2 and "summary.txt would replace files that mrio shock did not write" in result.output
    assert listing(folder) == before and (out / "summary.txt").read_text() == "my own summary"


def test_the_result_set_is_swapped_in_whole(runner, folder, monkeypatch):
    """A failure while the new set is published leaves the old set complete (never a mix)."""
    spec = scenario(folder, TWO_SHOCKS, "first")
    out = folder / "run"
    assert shock(runner, spec, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = os.replace

    def fail_on_the_swap(src, dst):
        if Path(dst) == out.resolve() and ".tmp" in Path(src).name:
            raise OSError(5, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_the_swap)
    spec.write_text(spec.read_text().replace('share = 0.1', 'share = 0.3'))
    result = shock(runner, spec, out)
    assert result.exit_code != 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in folder.iterdir()) == ["first.toml", "run", "sys"]


# ------------------------------------------------------------------------------------------ item 10
def test_out_problems_are_found_before_the_work(runner, folder, monkeypatch):
    spec = scenario(folder, TWO_SHOCKS, "first")
    out = folder / "readonly"
    out.mkdir()
    real = files.tempfile.TemporaryFile

    def read_only(*args, dir=None, **kwargs):  # root ignores permission bits: simulate a read-only folder
        if dir is not None and Path(dir) == out:
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(files.tempfile, "TemporaryFile", read_only)
    monkeypatch.setattr("mrio.cli._shock._system", lambda *a: pytest.fail("computed before checking --out"))
    result = shock(runner, spec, out)
    assert result.exit_code == 2 and f"folder {out} is not writable (Permission denied)" in result.output


def test_out_through_a_symlink_writes_the_target_folder(runner, folder, tmp_path_factory):
    spec = scenario(folder, TWO_SHOCKS, "first")
    elsewhere = tmp_path_factory.mktemp("other") / "results"
    link = folder / "link"
    link.symlink_to(elsewhere, target_is_directory=True)
    elsewhere.mkdir()
    result = shock(runner, spec, link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and (elsewhere / "summary.txt").is_file()
    table = folder / "t.csv"
    target = elsewhere.parent / "real.csv"
    target.write_text("old")
    table.symlink_to(target)
    assert runner.invoke(main, ["multipliers", str(folder / "sys"), "--out", str(table)]).exit_code == 0
    assert table.is_symlink() and target.read_text().startswith("region,sector")


# ------------------------------------------------------------------------------------------ item 9
# A command line that stops inside the work, once it has created its temporary files, and says so.
PAUSED = """
import sys, time
import mrio.cli._shock as shock
import mrio.core.files as files
real_run, real_writer = shock.run_scenario, files._TABLE_WRITERS[".csv"]

def paused_run(*args, **kwargs):
    result = real_run(*args, **kwargs)
    print("paused", flush=True)
    time.sleep(300)
    return result

def paused_writer(frame, path):
    real_writer(frame, path)
    print("paused", flush=True)
    time.sleep(300)

shock.run_scenario = paused_run
files._TABLE_WRITERS[".csv"] = paused_writer
from mrio.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("command", ["shock", "multipliers"])
def test_sigterm_removes_temporary_files_like_ctrl_c(folder, command):
    spec = scenario(folder, TWO_SHOCKS, "first")
    args = (["shock", str(spec), "--out", str(folder / "out"), "--quiet"] if command == "shock"
            else ["multipliers", str(folder / "sys"), "--out", str(folder / "m.csv")])
    before = sorted(p.name for p in folder.iterdir())
    proc = subprocess.Popen([sys.executable, "-c", PAUSED, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "paused", proc.stderr.read()
        assert any(p.name.endswith(".tmp") for p in folder.iterdir())  # the work in progress
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing left behind, nothing written


# ------------------------------------------------------------------------------------------ item 20
def test_a_closed_pipe_exits_cleanly(folder):
    cli = f"{sys.executable} -c 'from mrio.cli import main; main()'"
    proc = subprocess.run(f"{cli} multipliers {folder / 'sys'} | head -n 1",
                          shell=True, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "80"})
    assert proc.stderr == ""
    out = subprocess.run([sys.executable, "-c", "import sys, subprocess; p = subprocess.Popen([sys.executable, "
                          f"'-c', 'from mrio.cli import main; main()', 'multipliers', {str(folder / 'sys')!r}], "
                          "stdout=subprocess.PIPE, "
                          "stderr=subprocess.PIPE); p.stdout.close(); err = p.stderr.read(); p.wait(); "
                          "print(p.returncode); print(err.decode())"], capture_output=True, text=True, timeout=300)
    code, *err = out.stdout.splitlines()
    assert code == "0" and not "".join(err).strip()
