"""``mrio bench``: the core benchmarks outside pytest, printed as a table of ratios."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from mrio.core.io import write_table
from mrio.report import bench


@click.command("bench")
@click.option("--size", type=click.Choice(list(bench.SIZES)), default="small", show_default=True,
              help="small: N = 1,000; medium: also N = 5,000; large: also N = 9,800 (minutes, ~6 GB).")
@click.option("--wiod", "wiod", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of the WIOD 2013 tables (../shared/data/wiod2013): adds the real N = 1,435 table.")
@click.option("--repeat", type=click.IntRange(1, 100), default=3, show_default=True,
              help="Timed calls per side (interleaved; the minimum and the median are reported).")
@click.option("--memory/--no-memory", default=True, show_default=True,
              help="Also measure peak memory (tracemalloc, one extra call per side).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the table (.csv, .parquet, .xlsx).")
def bench_command(size: str, wiod: Path | None, repeat: int, memory: bool, out: Path | None) -> None:
    """Time mrio against numpy.linalg.inv and pymrio (when installed) on synthetic MRIO tables.

    Synthetic tables have dense domestic blocks, sparse trade blocks and column sums of A in
    [0.5, 0.7]. Ratios are mrio time / reference time (below 1: mrio is faster), measured in this
    process with interleaved calls; peak memory is what each call allocates (tracemalloc).
    """
    console = Console(width=None if Console().is_terminal else 200)
    console.print(f"BLAS: {bench.blas_info()}")
    if not bench.pymrio_available():
        console.print("pymrio is not installed: the calc_all comparison is skipped (pip install pymrio)")
    rows = bench.run(size, repeat=repeat, memory=memory, wiod=wiod,
                     progress=lambda message: click.echo(f"... {message}", err=True))
    table = Table(title=f"mrio bench --size {size} (times: min / median of {repeat} interleaved calls)")
    for column in ("operation", "N", "mrio s (min / median)", "reference", "reference s (min / median)",
                   "ratio (min / median)", "mrio peak MB", "reference peak MB", "memory ratio"):
        text = column in ("operation", "reference")
        table.add_column(column, justify="left" if text else "right", no_wrap=text)

    def number(value: float, fmt: str) -> str:
        return "-" if value != value else format(value, fmt)  # NaN: memory not measured

    for r in rows:
        table.add_row(r.operation, f"{r.N:,}", f"{r.mrio_seconds:.3f} / {r.mrio_median_seconds:.3f}",
                      r.reference,
                      f"{r.reference_seconds:.3f} / {r.reference_median_seconds:.3f}",
                      f"{r.ratio:.2f} / {r.median_ratio:.2f}", number(r.mrio_peak_mb, ",.0f"),
                      number(r.reference_peak_mb, ",.0f"), number(r.memory_ratio, ".2f"))
    console.print(table)
    if out is not None:
        write_table(bench.rows_to_frame(rows), out)
        console.print(f"wrote {out}")
