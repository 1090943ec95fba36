"""Written files: permissions, links, spreadsheets that stay data (issue 13, items 8, 10, 11, 20)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import mrio
from mrio.core import files
from mrio.testing import random_mrio


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------------------------------ item 8
@pytest.mark.parametrize("mask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700),
                                                       (0o002, 0o664, 0o775)])
def test_files_and_folders_get_the_umask_permissions(tmp_path, mask, file_mode, dir_mode):
    previous = os.umask(mask)
    try:
        mrio.write_table(pd.DataFrame({"a": [1.0]}), tmp_path / "t.csv")
        random_mrio(2, 2, seed=1).write(tmp_path / "sys")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "t.csv") == file_mode
    assert mode(tmp_path / "sys") == dir_mode
    assert {mode(p) for p in (tmp_path / "sys").iterdir()} == {file_mode}


def test_replacing_a_file_keeps_its_mode(tmp_path, umask_022):
    target = tmp_path / "t.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    mrio.write_table(pd.DataFrame({"a": [1.0]}), target)
    assert mode(target) == 0o640 and target.read_text() != "old"
    folder = tmp_path / "sys"
    random_mrio(2, 2, seed=1).write(folder)
    os.chmod(folder, 0o750)
    random_mrio(2, 2, seed=2).write(folder)
    assert mode(folder) == 0o750


# ------------------------------------------------------------------------------------------ item 10
def test_a_symlinked_target_is_followed_and_kept(tmp_path):
    real = tmp_path / "elsewhere" / "t.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "t.csv"
    link.symlink_to(real)
    mrio.write_table(pd.DataFrame({"a": [1.0]}), link)
    assert link.is_symlink() and pd.read_csv(real)["a"].tolist() == [1.0]
    assert sorted(p.name for p in real.parent.iterdir()) == ["t.csv"]  # no temporary file left


def test_a_cross_device_move_falls_back_to_a_copy(tmp_path, monkeypatch):
    real = os.replace
    calls = []

    def exdev_once(src, dst):
        if not calls:
            calls.append(src)
            raise OSError(18, "Invalid cross-device link")
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", exdev_once)
    mrio.write_table(pd.DataFrame({"a": [2.0]}), tmp_path / "t.csv")
    assert pd.read_csv(tmp_path / "t.csv")["a"].tolist() == [2.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_check_writable_reports_the_folder(tmp_path):
    with pytest.raises(mrio.errors.FileFormatError, match="does not exist"):
        files.check_writable(tmp_path / "missing" / "t.csv")
    (tmp_path / "d").mkdir()
    with pytest.raises(mrio.errors.FileFormatError, match="a folder of that name exists"):
        files.check_writable(tmp_path / "d")
    assert files.check_writable(tmp_path / "d", directory=True) == tmp_path / "d"


# ------------------------------------------------------------------------------------------ item 11
def test_xlsx_writes_formula_like_labels_as_text(tmp_path):
    index = pd.MultiIndex.from_tuples([("=1+1", "=HYPERLINK(\"http://x\",\"y\")"), ("@SUM(A1)", "+cmd")],
                                      names=["region", "sector"])
    table = pd.DataFrame({"value": [1.0, 2.0], "note": ["=2*3", "-1+2"]}, index=index)
    mrio.write_table(table, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no live formula anywhere
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["region", "sector", "value", "note"]
    assert values[1] == ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", 1.0, "=2*3"]


def test_xlsx_cells_are_what_pandas_to_excel_writes(tmp_path):
    """The direct XlsxWriter path (issue 13, item 23) gives the cells pandas' to_excel gave."""
    index = pd.MultiIndex.from_tuples([("R0", "a"), ("R0", "b"), ("R1", "a"), ("R1", "b")],
                                      names=["region", "sector"])
    table = pd.DataFrame({"x": [1.5, np.nan, np.inf, -np.inf], "n": [1, 2, 3, -4],
                          "flag": [True, False, True, False], "text": ["p", None, "=1", ""],
                          "class": pd.Categorical(["key", "weak", "key", "weak"])}, index=index)
    mrio.write_table(table, tmp_path / "mine.xlsx")
    with pd.ExcelWriter(tmp_path / "pandas.xlsx", engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False}}) as writer:
        files.tidy(table).to_excel(writer, index=False, sheet_name="table")
    mine = [[c.value for c in row] for row in load_workbook(tmp_path / "mine.xlsx").active.iter_rows()]
    theirs = [[c.value for c in row] for row in load_workbook(tmp_path / "pandas.xlsx").active.iter_rows()]
    assert mine == theirs
    assert load_workbook(tmp_path / "mine.xlsx").active.title == "table"


# ------------------------------------------------------------------------------------------ item 20
def test_exports_are_record_tables_with_units_and_named_label_columns(tmp_path):
    rows = pd.MultiIndex.from_product([["R0", "R1"], ["s0", "s1"]], names=["region", "sector"])
    cols = pd.MultiIndex.from_product([["R0", "R1"], ["household"]], names=["region", "category"])
    table = pd.DataFrame(np.arange(8.0).reshape(4, 2), index=rows, columns=cols)
    table.attrs["unit"] = "million EUR"
    mrio.write_table(table, tmp_path / "t.xlsx")
    mrio.write_table(table, tmp_path / "t.csv")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert not sheet.merged_cells.ranges
    back = pd.read_excel(tmp_path / "t.xlsx")
    assert list(back.columns) == ["region", "sector", "R0 / household", "R1 / household", "unit"]
    assert back["region"].tolist() == ["R0", "R0", "R1", "R1"] and set(back["unit"]) == {"million EUR"}
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), back, check_dtype=False)
    series = pd.Series([1.0, 2.0], index=["a", "b"])
    mrio.write_table(series, tmp_path / "s.csv")
    assert list(pd.read_csv(tmp_path / "s.csv").columns) == ["label", "0"]
    mrio.write_table(table, tmp_path / "t.parquet")  # parquet keeps the labelled frame and its unit
    back = pd.read_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, table)
    assert back.attrs["unit"] == "million EUR"
