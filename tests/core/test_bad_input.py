"""Bad input that used to be accepted or to crash with a built-in exception (issue 13, items 13, 15, 16).

Every case must raise the project's own error (a :class:`mrio.errors.InputError`) naming the field.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio.errors import FileFormatError, InputError, InvalidTableError
from mrio.testing import random_mrio


@pytest.fixture
def system():
    return random_mrio(2, 3, seed=1)


# ------------------------------------------------------------------ construction (13)
def test_sums_that_overflow_are_rejected(system):
    Z = system.Z.copy()
    Z.iloc[0, :2] = 1e308  # finite entries whose row sum is inf
    with pytest.raises(InvalidTableError, match=r"overflow.*\('R0', 's0'\)"):
        mrio.MRIO.from_flows(Z, system.Y)
    V = system.V.copy()
    V.iloc[:2, 0] = 1e308
    with pytest.raises(InvalidTableError, match="overflow"):
        mrio.MRIO.from_flows(system.Z, system.Y, V=V)


@pytest.mark.parametrize("rtol", [float("nan"), -1.0, float("inf"), "1e-6", True])
def test_rtol_must_be_a_finite_number_at_least_zero(system, rtol):
    with pytest.raises(InputError, match="rtol"):
        mrio.MRIO.from_flows(system.Z, system.Y, x=system.x * 1.1, rtol=rtol)


def test_complex_values_are_rejected_not_truncated(system):
    with pytest.raises(InvalidTableError, match="Z holds complex values"):
        mrio.MRIO.from_flows(system.Z.astype(complex) + 1j, system.Y)
    with pytest.raises(InvalidTableError, match="Y holds complex values"):
        mrio.MRIO.from_flows(system.Z, system.Y.astype(complex))


def test_an_empty_system_is_rejected(system):
    with pytest.raises(InvalidTableError, match="no industries"):
        mrio.MRIO.from_flows(system.Z.iloc[:0, :0], system.Y.iloc[:0, :])


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(method="neumann", max_iter=0), "max_iter"), (dict(method="gmres", tol=float("nan")), "tol"),
    (dict(method="gmres", tol=-1.0), "tol"), (dict(method="bicgstab", max_iter=2.5), "max_iter")])
def test_solver_options_are_checked(system, kwargs, match):
    with pytest.raises(InputError, match=match):
        system.solve(**kwargs)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(max_iter=0), "max_iter"), (dict(tol=float("nan")), "tol"), (dict(tol=-1.0), "tol"),
    (dict(max_iter=2.5), "max_iter")])
def test_balancing_options_are_checked(kwargs, match):
    prior = pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=["c", "d"])
    for balance in (mrio.balancing.ras, mrio.balancing.gras):
        with pytest.raises(InputError, match=match):
            balance(prior, [1.0, 3.0], [2.0, 2.0], **kwargs)


# ------------------------------------------------------------------ metadata.json (13, 15)
def _with_metadata(system, folder, key, value):
    """Write ``system`` to ``folder`` and set ``key`` of its metadata.json to a malformed ``value``."""
    system.write(folder)
    path = folder / "metadata.json"
    meta = json.loads(path.read_text())
    meta[key] = value
    path.write_text(json.dumps(meta))


@pytest.mark.parametrize(("key", "value"), [
    ("units", ["a"]), ("units", {"monetary": 5}), ("meta", 5), ("value_added_components", 3),
    ("value_added_components", "compensation"), ("files", ["Z.parquet"]), ("table_format", 5)])
def test_malformed_metadata_names_the_key(system, tmp_path, key, value):
    _with_metadata(system, tmp_path / "t", key, value)
    with pytest.raises(FileFormatError, match=key):
        mrio.read(tmp_path / "t")


def test_metadata_must_be_strict_json(system, tmp_path):
    system.write(tmp_path / "t")
    path = tmp_path / "t" / "metadata.json"
    path.write_text(path.read_text().replace('"meta": {', '"meta": {"bad": NaN, ', 1))
    with pytest.raises(FileFormatError, match="strict JSON"):
        mrio.read(tmp_path / "t")
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)  # deeply nested
    with pytest.raises(FileFormatError, match="metadata.json"):
        mrio.read(tmp_path / "t")
    path.write_bytes(b"\xff\xfe{")
    with pytest.raises(FileFormatError, match="metadata.json"):
        mrio.read(tmp_path / "t")


def test_a_flat_index_in_a_csv_table_names_the_table(system, tmp_path):
    system.write(tmp_path / "t", format="csv")
    z = pd.read_csv(tmp_path / "t" / "Z.csv", header=[0, 1], index_col=[0, 1])
    z.index = [f"{a}{b}" for a, b in z.index]
    z.to_csv(tmp_path / "t" / "Z.csv")
    with pytest.raises(InputError, match="Z"):
        mrio.read(tmp_path / "t")


# ------------------------------------------------------------------ writing (16)
def _relabel(system, old, new):
    def rename(frame, axis):
        return frame.rename(**{axis: {old: new}}, level="region")

    Z = rename(rename(system.Z, "index"), "columns")
    Y = rename(rename(system.Y, "index"), "columns")
    return mrio.MRIO.from_flows(Z, Y, V=system.V.set_axis(Z.columns, axis=1), units=dict(system.units))


@pytest.mark.parametrize("label", ["NA", "nan", "NULL", "None", "#N/A"])
def test_labels_pandas_would_read_as_missing_round_trip_through_csv(system, tmp_path, label):
    s = _relabel(system, "R0", label)
    s.write(tmp_path / "t", format="csv")
    back = mrio.read(tmp_path / "t")
    assert list(back.regions) == [label, "R1"]
    np.testing.assert_array_equal(back.Z.to_numpy(), s.Z.to_numpy())


def test_labels_that_cannot_round_trip_are_refused_on_write(system, tmp_path):
    with pytest.raises(InputError, match="empty label"):
        _relabel(system, "R0", "").write(tmp_path / "t", format="csv")
    clash = _relabel(system, "R0", 1)
    clash = _relabel(clash, "R1", "1")
    with pytest.raises(InputError, match="1.*'1'|'1'.*1"):
        clash.write(tmp_path / "t2", format="csv")
    assert not (tmp_path / "t").exists() and not (tmp_path / "t2").exists()


def test_metadata_is_written_as_strict_json(system, tmp_path):
    s = system.replace(meta={"score": float("nan"), "name": "x"})
    with pytest.raises(InputError, match=r"meta\['score'\].*not a finite number"):
        s.write(tmp_path / "t")
    assert not (tmp_path / "t").exists()
    system.replace(meta={"nested": {"values": [1.0, 2.5]}}).write(tmp_path / "ok")
    json.loads((tmp_path / "ok" / "metadata.json").read_text(), parse_constant=lambda c: pytest.fail(c))


# ------------------------------------------------------------------ on the command line: exit code 2, no built-ins (15)
@pytest.mark.parametrize(("key", "value"), [("meta", 5), ("units", ["a"]), ("value_added_components", 3)])
def test_cli_reports_malformed_metadata_as_bad_input(system, tmp_path, key, value):
    from click.testing import CliRunner

    from mrio.cli import main

    _with_metadata(system, tmp_path / "t", key, value)
    result = CliRunner().invoke(main, ["info", str(tmp_path / "t")])
    assert result.exit_code == 2, result.output
    assert key in result.output
    for builtin in ("AttributeError", "TypeError", "ValueError", "Traceback"):
        assert builtin not in result.output
