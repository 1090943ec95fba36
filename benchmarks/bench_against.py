"""Command-line speed of this checkout against a former commit, interleaved in one run (issue 13, item 23).

The former commit is exported with ``git archive`` into a temporary folder laid out as the installed
package (``mrio/`` with ``kernels`` and ``data`` linked in) and put first on ``PYTHONPATH``, so both
sides run in the same interpreter and environment, each in a fresh process per command, alternating
former and new. Each side keeps its own numba cache; the dataset cache key includes the code, so the
former side builds its own ``nl-corop`` entry once (in the warm-up round, not timed). Prints min and
median wall and CPU seconds per command and the ratio of the minima (new / former), with the load
average before and after::

    NUMBA_CACHE_DIR=/tmp/numba_$USER python benchmarks/bench_against.py e2d0f1f --rounds 3

Commands default to ``paths nl-corop --top 20``, ``report nl-corop`` with the port scenario and the whole
Dutch analysis of ``bench_cli.py`` (:func:`bench_cli.dutch_analysis`, summed per round).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_cli import EXAMPLES, dutch_analysis  # noqa: E402

CLI = "from mrio.cli import main; main()"


def former_tree(commit: str, folder: Path) -> Path:
    """Export ``commit`` and return a folder whose ``mrio/`` imports like the installed package."""
    source, tree = folder / "src", folder / "tree"
    source.mkdir()
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", commit], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    (source / "mrio").rename(tree / "mrio")
    (tree / "mrio" / "kernels").symlink_to(source / "kernels")
    (tree / "mrio" / "data").symlink_to(source / "data")
    return tree


def timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (children: user + system, all threads) of one command run in ``cwd``.

    ``cwd`` must be outside the checkout: ``python -c`` puts the working directory first on
    ``sys.path``, where the checkout's ``mrio/`` would shadow the former tree.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, *args], check=True, capture_output=True, env=env, timeout=900,
                   cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the former commit (e.g. main before the change)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="run only the commands whose name contains this text")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mrio-bench-against-") as tmp:
        tmp = Path(tmp)
        tree = former_tree(options.commit, tmp)
        new_env = dict(os.environ)
        former_env = {**os.environ, "PYTHONPATH": str(tree),
                      "NUMBA_CACHE_DIR": str(tmp / "numba-former")}
        out = tmp / "out"
        out.mkdir()
        commands = {
            "paths nl-corop --top 20": [["paths", "nl-corop", "--top", "20"]],
            "report nl-corop --scenario rotterdam_port": [
                ["report", "nl-corop", "--scenario", str(EXAMPLES / "rotterdam_port.toml"), "--out",
                 str(out / "report.html")]],
            "whole Dutch analysis": dutch_analysis(out),
        }
        commands = {name: steps for name, steps in commands.items()
                    if not options.only or options.only in name}
        times = {(name, side): [] for name in commands for side in ("former", "new")}
        check = "import mrio, pathlib; print(pathlib.Path(mrio.__file__).parent.parent)"
        for side, env in (("former", former_env), ("new", new_env)):
            where = subprocess.run([sys.executable, "-c", check], env=env, cwd=out, check=True,
                                   capture_output=True, text=True).stdout.strip()
            print(f"{side}: mrio from {where}")
        print(f"load average before: {os.getloadavg()}")
        for rnd in range(options.rounds + 1):  # round 0 warms caches (numba, nl-corop entry, pages)
            for name, steps in commands.items():
                for side, env in (("former", former_env), ("new", new_env)):
                    wall = cpu = 0.0
                    for args in steps:
                        w, c = timed(args, env, out)
                        wall, cpu = wall + w, cpu + c
                    if rnd:
                        times[name, side].append((wall, cpu))
                    print(f"  round {rnd} {name} {side}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
        print(f"load average after: {os.getloadavg()}")
        for name in commands:
            f, n = np.array(times[name, "former"]), np.array(times[name, "new"])
            print(f"{name}: new wall min {n[:, 0].min():.2f} median {np.median(n[:, 0]):.2f} s, CPU min "
                  f"{n[:, 1].min():.2f} s; former wall min {f[:, 0].min():.2f} median "
                  f"{np.median(f[:, 0]):.2f} s, CPU min {f[:, 1].min():.2f} s; ratio new/former wall "
                  f"{n[:, 0].min() / f[:, 0].min():.2f}, "
                  f"CPU {n[:, 1].min() / f[:, 1].min():.2f}")


if __name__ == "__main__":
    main()
