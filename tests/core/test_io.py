"""mrio.read / write / write_table: exact round trips, malformed files, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import errors, io
from mrio.core import files
from mrio.testing import random_mrio


@pytest.fixture
def system():
    return random_mrio(3, 4, seed=31)


def assert_same_system(a, b):
    for name in ("Z", "Y", "V", "F", "F_Y"):
        if getattr(a, name) is None:
            assert getattr(b, name) is None
            continue
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    pd.testing.assert_series_equal(a.x, b.x, check_exact=True)
    assert dict(a.units) == dict(b.units)
    assert dict(a.meta) == dict(b.meta)
    assert a.value_added_components == b.value_added_components


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_is_exact(system, tmp_path, fmt):
    target = tmp_path / "table"
    system.write(target, format=fmt)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["metadata.json"] + [f"{n}.{fmt}" for n in ("Z", "Y", "V", "F", "F_Y", "x")])
    back = mrio.read(target)
    assert_same_system(system, back)
    np.testing.assert_array_equal(back.L.to_numpy(), system.L.to_numpy())
    meta = json.loads((target / "metadata.json").read_text())
    assert meta["format"] == "mrio" and meta["table_format"] == fmt
    expected = (2, ["V", "F", "F_Y"]) if fmt == "parquet" else (1, None)
    assert (meta["version"], meta.get("transposed")) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["table"]  # no temporary left behind


def test_wide_tables_are_stored_one_row_per_industry_and_version_1_still_reads(system, tmp_path):
    """Parquet pays per column: V, F, F_Y are stored transposed (format 2); format 1 folders still read."""
    target = tmp_path / "table"
    system.write(target)
    stored = pd.read_parquet(target / "V.parquet")
    pd.testing.assert_frame_equal(stored, system.V.T)
    # a version 1 folder: every table as in memory, no "transposed" entry
    for name in ("V", "F", "F_Y"):
        pd.read_parquet(target / f"{name}.parquet").T.to_parquet(target / f"{name}.parquet")
    meta = json.loads((target / "metadata.json").read_text())
    del meta["transposed"]
    meta["version"] = 1
    (target / "metadata.json").write_text(json.dumps(meta))
    assert_same_system(system, mrio.read(target))
    meta.update(version=2, transposed=["Z"])
    (target / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(errors.FileFormatError, match="transposed must be a list of V, F, F_Y"):
        mrio.read(target)


def test_round_trip_without_extensions(tmp_path):
    s = random_mrio(2, 2, with_extensions=False)
    mrio.write(s, tmp_path / "t")
    back = mrio.read(tmp_path / "t")
    assert back.F is None and back.F_Y is None
    pd.testing.assert_frame_equal(back.Z, s.Z, check_exact=True)


def test_bundled_dataset_round_trip(tmp_path):
    s = mrio.load("nl-2000")
    s.write(tmp_path / "nl", format="parquet")
    assert_same_system(s, mrio.read(tmp_path / "nl"))


def test_overwrite_replaces_whole_folder(system, tmp_path):
    target = tmp_path / "t"
    system.write(target, format="csv")
    random_mrio(2, 2, with_extensions=False).write(target, format="parquet")
    expected = ["V.parquet", "Y.parquet", "Z.parquet", "metadata.json", "x.parquet"]
    assert sorted(p.name for p in target.iterdir()) == expected
    assert len(mrio.read(target)) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_unknown_format(system, tmp_path):
    with pytest.raises(errors.InputError, match="unknown format 'xlsx'"):
        system.write(tmp_path / "t", format="xlsx")


# ---------------------------------------------------------------------------------- malformed input
@pytest.fixture
def written(system, tmp_path):
    target = tmp_path / "sys"
    system.write(target)
    return target


def edit_metadata(folder, **changes):
    meta = json.loads((folder / "metadata.json").read_text())
    meta.update(changes)
    (folder / "metadata.json").write_text(json.dumps(meta))


def test_missing_folder_and_metadata(tmp_path, written):
    with pytest.raises(errors.FileFormatError, match="nowhere is not a folder"):
        mrio.read(tmp_path / "nowhere")
    (written / "metadata.json").unlink()
    with pytest.raises(errors.FileFormatError, match="has no metadata.json"):
        mrio.read(written)


def test_bad_json(written):
    (written / "metadata.json").write_text("{not json")
    with pytest.raises(errors.FileFormatError, match=r"metadata.json is not valid JSON: .*line 1"):
        mrio.read(written)


@pytest.mark.parametrize(("changes", "message"), [
    ({"format": "pymrio"}, "does not describe an mrio system"),
    ({"version": 99}, "unsupported format version 99"),
    ({"table_format": "feather"}, "table_format or files entry is malformed"),
    ({"files": {"Y": "Y.parquet"}}, "table_format or files entry is malformed"),
    ({"files": ["Z.parquet"]}, "table_format or files entry is malformed"),
])
def test_malformed_metadata(written, changes, message):
    edit_metadata(written, **changes)
    with pytest.raises(errors.FileFormatError, match=message):
        mrio.read(written)


def test_metadata_not_an_object(written):
    (written / "metadata.json").write_text("[1, 2]")
    with pytest.raises(errors.FileFormatError, match="does not describe an mrio system"):
        mrio.read(written)


def test_missing_table(written):
    (written / "V.parquet").unlink()
    with pytest.raises(errors.FileFormatError,
                       match=r"table V listed in metadata.json is missing \(V.parquet\)"):
        mrio.read(written)


def test_corrupt_parquet(written):
    (written / "Z.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(errors.FileFormatError, match=r"cannot read Z from .*Z.parquet"):
        mrio.read(written)


def test_corrupt_csv(system, tmp_path):
    system.write(tmp_path / "c", format="csv")
    (tmp_path / "c" / "Y.csv").write_text("region\n")
    with pytest.raises(errors.FileFormatError, match="cannot read Y from"):
        mrio.read(tmp_path / "c")


def test_tampered_values_fail_validation(system, tmp_path):
    system.write(tmp_path / "c", format="csv")
    text = (tmp_path / "c" / "Z.csv").read_text().splitlines()
    cells = text[3].split(",")
    cells[2] = "nan"
    text[3] = ",".join(cells)
    (tmp_path / "c" / "Z.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(errors.InvalidTableError, match=r"Z has 1 NaN.*\('R0', 's0'\)"):
        mrio.read(tmp_path / "c")


# ---------------------------------------------------------------------------------- atomic writes
def test_failed_system_write_leaves_nothing(system, tmp_path, monkeypatch):
    calls = []

    def failing(frame, path, fmt, transposed=False):
        calls.append(path.name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        frame.to_parquet(path)

    monkeypatch.setattr(files, "_write_frame", failing)
    with pytest.raises(errors.FileFormatError, match="cannot write table Y .*disk full"):
        system.write(tmp_path / "t")
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_old_content(system, tmp_path, monkeypatch):
    target = tmp_path / "t"
    system.write(target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def failing(frame, path, fmt, transposed=False):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(files, "_write_frame", failing)
    with pytest.raises(errors.FileFormatError, match="interrupted"):
        random_mrio(2, 2).write(target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_write_into_missing_or_unwritable_folder(system, tmp_path):
    with pytest.raises(errors.FileFormatError, match="folder .*missing does not exist"):
        system.write(tmp_path / "missing" / "t")
    with pytest.raises(errors.FileFormatError, match="cannot write /proc/mrio_t.*not writable"):
        system.write("/proc/mrio_t")  # not writable even for root
    with pytest.raises(errors.FileFormatError, match="not writable"):
        mrio.write_table(pd.DataFrame({"a": [1.0]}), "/proc/mrio_t.csv")


def test_write_into_folder_without_write_permission(system, tmp_path, monkeypatch):
    # permission bits do not stop root, so simulate what os.access reports for a read-only folder
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    with pytest.raises(errors.FileFormatError, match=r"cannot write .*t: folder .* is not writable"):
        system.write(tmp_path / "t")
    assert list(tmp_path.iterdir()) == []


def test_folder_target_is_a_file(system, tmp_path):
    (tmp_path / "t").write_text("x")
    with pytest.raises(errors.FileFormatError, match="a file of that name exists"):
        system.write(tmp_path / "t")
    assert (tmp_path / "t").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_write_table_formats(system, tmp_path, suffix):
    table = mrio.income_multipliers(system)
    path = mrio.write_table(table, tmp_path / f"out{suffix}")
    assert path.exists() and [p.name for p in tmp_path.iterdir()] == [f"out{suffix}"]
    if suffix == ".csv":
        back = pd.read_csv(path, index_col=[0, 1])
        np.testing.assert_array_equal(back.to_numpy(), table.to_numpy())
    elif suffix == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(path), table, check_exact=True)


def test_write_table_series_and_non_string_columns(tmp_path):
    s = pd.Series([1.0, 2.0], index=["a", "b"], name="m")
    mrio.write_table(s, tmp_path / "s.parquet")
    assert pd.read_parquet(tmp_path / "s.parquet")["m"].tolist() == [1.0, 2.0]
    frame = pd.DataFrame({1: [1.0], 2: [2.0]})
    mrio.write_table(frame, tmp_path / "f.parquet")
    assert list(pd.read_parquet(tmp_path / "f.parquet").columns) == ["1", "2"]


def test_write_table_errors_leave_nothing(tmp_path, monkeypatch):
    with pytest.raises(errors.InputError, match=r"unknown suffix '.txt'"):
        mrio.write_table(pd.DataFrame({"a": [1.0]}), tmp_path / "out.txt")

    def half_then_fail(frame, path):
        path.write_text("partial")
        raise ValueError("boom")

    monkeypatch.setitem(files._TABLE_WRITERS, ".csv", half_then_fail)
    with pytest.raises(errors.FileFormatError, match=r"cannot write .*out.csv: ValueError: boom"):
        mrio.write_table(pd.DataFrame({"a": [1.0]}), tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_numeric_looking_labels(tmp_path, fmt):
    s = random_mrio(2, 2, with_extensions=False)
    idx = pd.MultiIndex.from_product([["2021", "2022"], ["01", "02"]], names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples([("2021", "hh"), ("2021", "inv"), ("2022", "hh"), ("2022", "inv"),
                                      ("RoW", "exports")], names=["region", "category"])
    t = mrio.MRIO.from_flows(s.Z.set_axis(idx, axis=0).set_axis(idx, axis=1),
                             s.Y.set_axis(idx, axis=0).set_axis(cols, axis=1), V=s.V.set_axis(idx, axis=1))
    t.write(tmp_path / "t", format=fmt)
    assert_same_system(t, mrio.read(tmp_path / "t"))


def test_failed_swap_puts_the_previous_folder_back(system, tmp_path, monkeypatch):
    """If moving the new folder into place fails, the old folder is restored whole."""
    target = tmp_path / "t"
    system.write(target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    real_replace = io.os.replace

    def replace(src, dst):
        if str(src).endswith(".tmp") and dst == target:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        random_mrio(2, 2).write(target)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_metadata_naming_files_outside_the_folder_is_rejected(system, tmp_path):
    target = tmp_path / "t"
    system.write(target)
    meta = json.loads((target / "metadata.json").read_text())
    meta["files"]["Z"] = "../elsewhere/Z.parquet"
    (target / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(errors.FileFormatError, match=r"files.Z must be a file name inside"):
        mrio.read(target)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_output_is_stored_not_rederived(system, tmp_path, fmt):
    """x read back bit for bit even where it differs from numpy's row sums in the last bits (issue 13.6)."""
    import math

    x = pd.Series([math.fsum(row) for row in np.hstack([system.Z.to_numpy(), system.Y.to_numpy()])],
                  index=system.index)
    given = mrio.MRIO.from_flows(system.Z, system.Y, V=system.V, x=x, extensions=system.F,
                                 extensions_final_demand=system.F_Y, units=dict(system.units))
    given.write(tmp_path / "t", format=fmt)
    back = mrio.read(tmp_path / "t")
    assert back.x.to_numpy().tobytes() == given.x.to_numpy().tobytes()
    # a folder written before x was stored still reads (x derived from the row balance)
    meta = json.loads((tmp_path / "t" / "metadata.json").read_text())
    del meta["files"]["x"]
    (tmp_path / "t" / "metadata.json").write_text(json.dumps(meta))
    np.testing.assert_allclose(mrio.read(tmp_path / "t").x.to_numpy(), given.x.to_numpy(), rtol=1e-12)
