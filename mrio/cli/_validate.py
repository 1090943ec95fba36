"""``mrio validate``: rebuild survey truths (Japan 2015, WIOD 2000/2011) and score the regional build."""

from __future__ import annotations

from pathlib import Path

import click

from mrio.build.validation import TRUTHS, default_data_dir, validate

from ._common import check_table_output, emit, out_option, progress, trade_arguments, trade_options


@click.command("validate")
@click.option("--truth", "truth", type=click.Choice([*TRUTHS, "japan-holdout", "all"]), default="all",
              show_default=True, help="Which truth to rebuild and score.")
@click.option("--data", "data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Shared data folder with japan2015_regional/ and wiod2013/ (default: $MRIO_SHARED_DATA, "
                   "else ./shared/data or ../shared/data).")
@trade_options
@click.option("--method", type=click.Choice(["slq", "cilq", "flq", "aflq", "gravity"]), default="flq",
              show_default=True, help="--trade uniform: location quotient.")
@click.option("--delta", type=float, default=0.25, show_default=True, help="--trade uniform: FLQ/AFLQ delta.")
@click.option("--beta", type=float, default=1.0, show_default=True, help="--trade uniform: distance decay.")
@click.option("--ras-tol", type=float, default=1e-13, show_default=True,
              help="Tolerance of the per-product trade balancing (RAS), relative to the largest margin.")
@click.option("--ras-max-iter", type=click.IntRange(min=1), default=20000, show_default=True,
              help="Iteration cap of the trade balancing (WIOD needs about 9,000 sweeps).")
@out_option()
def validate_command(truth, data, trade, trade_parameters, method, delta, beta, ras_tol, ras_max_iter,
                     out) -> None:
    """Rebuild each truth from its national table and regional outputs, score it, print one table.

    \b
    Truths (read in place, never bundled):
      japan      45 Japanese prefectures + the rest of Japan (2015 survey tables), scored on the
                 calibration half; japan-holdout: the held-back half, where its file exists
      wiod2000   WIOD 2000 with the 27 EU countries as regions of one nation (border effect on)
      wiod2011   the same for 2011 (not used in the fit: an independent check)

    \b
    Examples:
      mrio validate --truth all --data ../shared/data
      mrio validate --truth japan --trade uniform          # the single-decay model before issue 11
      mrio validate --truth wiod2011 --out wiod2011.csv    # tidy rows: truth, metric, value
      mrio dependency nl-corop --table split               # nl-corop is built with these defaults
    """
    check_table_output(out)
    options = trade_arguments(trade, trade_parameters)
    options.update(ras_tol=ras_tol, ras_max_iter=ras_max_iter)
    if trade == "uniform":
        options.update(method=method, delta=delta, beta=beta)
    folder = data or default_data_dir()
    with progress(f"rebuilding and scoring {truth} ({folder})"):
        table = validate(truth, folder, **options)
    if out is not None:
        emit(table, out)
        return
    wide = table.set_index(["truth", "metric"])["value"]
    emit(wide.map(lambda v: f"{v:.4f}").to_frame("value"), None, title=f"validation ({trade} trade)")
