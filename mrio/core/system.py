"""The validated, immutable multi-regional input-output system :class:`MRIO`."""

from __future__ import annotations

import html
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio import kernels
from mrio.core import labels as lab
from mrio.core.checks import check_count, check_rtol, check_tolerance
from mrio.core.files import write
from mrio.core.kernel_errors import kernel_errors
from mrio.errors import (
    IdentityError,
    InputError,
    InvalidTableError,
    LabelError,
    MRIOWarning,
    NonProductiveSystemError,
)

__all__ = ["MRIO", "SolveResult", "COMMUTING_KEY", "commuting_meta"]

#: Metadata key of the commuting matrix: ``{work region: {region of residence: employee jobs}}``
#: (JSON-ready; see ``commuting_meta`` and ``MRIO.commuting``). Counts, not shares, so
#: regrouping regions sums it.
COMMUTING_KEY = "commuting_jobs"

#: Default relative tolerance of the accounting identities checked on construction.
DEFAULT_RTOL = 1e-6
#: Smallest table (industries) whose Leontief products may use the trade structure of A.
STRUCTURED_MIN_INDUSTRIES = 500


@dataclass(frozen=True)
class SolveResult:
    """Output of :meth:`MRIO.solve`.

    Attributes
    ----------
    output : pandas.Series or pandas.DataFrame
        Gross output ``x = L y`` indexed by (region, sector); one column per right-hand side.
    method : str
        Strategy used ("lu", "neumann", "block-jacobi", "gmres", "bicgstab", "sparse-lu").
    residual : float
        ``max ||(I - A) x - y|| / ||y||`` over the right-hand sides.
    iterations : int
    detail : str
        Why the strategy was chosen, bounds, fill-in.
    """

    output: pd.Series | pd.DataFrame
    method: str
    residual: float
    iterations: int
    detail: str


def _frozen_array(values: np.ndarray) -> np.ndarray:
    values = np.ascontiguousarray(values, dtype=np.float64)
    values.flags.writeable = False
    return values


def _stored_frame(source: pd.DataFrame, values: np.ndarray, index: pd.Index,
                  columns: pd.Index) -> pd.DataFrame:
    """Return a frame of ``values`` (= ``source`` as float64) that later writes to ``source`` cannot change.

    When ``values`` is a view of ``source``'s block (no conversion was needed), a shallow copy keeps
    it without an n-by-n copy: pandas copy-on-write (always on from pandas 3) then detaches the two
    frames on any later write to ``source``. Otherwise ``values`` is a fresh, read-only array.
    """
    frozen = _frozen_array(values)
    if frozen.flags.owndata or frozen.base is None:
        return pd.DataFrame(frozen, index=index, columns=columns, copy=False)
    if int(pd.__version__.split(".")[0]) < 3 and not pd.options.mode.copy_on_write:
        return pd.DataFrame(frozen.copy(), index=index, columns=columns, copy=False)
    shared = source.set_axis(index, axis=0).set_axis(columns, axis=1)
    if not np.shares_memory(shared.to_numpy(), frozen):  # pragma: no cover - pandas internals changed
        return pd.DataFrame(frozen.copy(), index=index, columns=columns, copy=False)
    return shared


class _LazyArrays(SimpleNamespace):
    """:attr:`MRIO.arrays` of a system whose trade structure is known: ``A = Z x^-1`` formed on first access.

    An analysis that goes through the trade structure (the Leontief products of
    :meth:`MRIO.leontief_product`) never needs the ``N x N`` coefficients.
    """

    @cached_property
    def A(self) -> np.ndarray:  # noqa: N802 - the field's name for the coefficient matrix
        """Technical coefficients ``A = Z x^-1`` (read-only)."""
        return _frozen_array(kernels.technical_coefficients(self.Z, self.x))


class MRIO:
    """A validated multi-regional input-output system (immutable).

    Build one with :meth:`from_flows`, :meth:`from_coefficients`, :meth:`from_pymrio`,
    :func:`mrio.read` or :func:`mrio.load`; every derived matrix is a cached property and every
    operation returns a new object.

    Notation (Miller & Blair 2009, ch. 2-3): ``N = R n`` industries in region-major order;
    ``Z`` (N x N) intermediate flows from rows (sellers) to columns (buyers); ``Y`` (N x K) final
    demand by (region, category); ``V`` (h x N) primary inputs (value-added components, imports,
    taxes) by component; ``x = Z i + Y i = i'Z + i'V`` gross output; ``F`` (k x N) extensions
    (employment, emissions, ...) by stressor, ``F_Y`` (k x K) their direct final-demand part.

    Attributes
    ----------
    Z, Y, V, F, F_Y : pandas.DataFrame
    x : pandas.Series
    A, B, L, G : pandas.DataFrame
        Technical coefficients ``Z x^-1``, allocation coefficients ``x^-1 Z``, Leontief inverse
        ``(I - A)^-1`` (formed on first access only), Ghosh inverse ``x^-1 L x``.
    regions, sectors, categories, stressors : pandas.Index
    units : Mapping[str, str]
        ``"monetary"`` plus one unit per stressor.
    meta : Mapping[str, Any]
        Year, currency, source, notes, assumptions.
    value_added_components : tuple
        Rows of V that make up gross value added (the rest are imports, taxes on products...).
    """

    __slots__ = ("_Z", "_Y", "_V", "_F", "_F_Y", "_x", "_units", "_meta", "_va_rows", "_inactive",
                 "__dict__")

    # ------------------------------------------------------------------ construction
    def __init__(self, *, Z, Y, V, F, F_Y, x, units, meta, value_added_components, inactive):
        # Private: use the from_* constructors, which validate.
        object.__setattr__(self, "_Z", Z)
        object.__setattr__(self, "_Y", Y)
        object.__setattr__(self, "_V", V)
        object.__setattr__(self, "_F", F)
        object.__setattr__(self, "_F_Y", F_Y)
        object.__setattr__(self, "_x", x)
        object.__setattr__(self, "_units", MappingProxyType(dict(units)))
        object.__setattr__(self, "_meta", MappingProxyType(dict(meta)))
        object.__setattr__(self, "_va_rows", tuple(value_added_components))
        object.__setattr__(self, "_inactive", inactive)

    def __setattr__(self, name, value):
        raise AttributeError(f"MRIO is immutable: cannot set {name!r}; use .replace(...) instead")

    def __delattr__(self, name):
        raise AttributeError(f"MRIO is immutable: cannot delete {name!r}")

    @classmethod
    def from_flows(
        cls,
        Z: pd.DataFrame,
        Y: pd.DataFrame,
        V: pd.DataFrame | None = None,
        x: pd.Series | None = None,
        extensions: pd.DataFrame | None = None,
        extensions_final_demand: pd.DataFrame | None = None,
        units: Mapping[str, str] | None = None,
        meta: Mapping[str, Any] | None = None,
        value_added_components: Sequence[Hashable] | None = None,
        rtol: float = DEFAULT_RTOL,
    ) -> MRIO:
        """Build and validate a system from flows.

        Parameters
        ----------
        Z : pandas.DataFrame of shape (N, N)
            Intermediate flows; index and columns a (region, sector) MultiIndex, identical,
            region-major with the same sectors in every region.
        Y : pandas.DataFrame of shape (N, K)
            Final demand; index as Z, columns a (region, category) MultiIndex. Column regions may
            include destinations outside the system (e.g. ``"RoW"`` exports). Negative entries
            (inventory changes) are allowed.
        V : pandas.DataFrame of shape (h, N), optional
            Primary inputs by component (flat index), columns as Z. When given, the column
            balance ``x = i'Z + i'V`` is checked. When omitted, one row ``"value_added"`` =
            ``x - i'Z`` is derived.
        x : pandas.Series of shape (N,), optional
            Gross output; checked against the row balance ``x = Z i + Y i``. Derived if omitted.
        extensions : pandas.DataFrame of shape (k, N), optional
            Satellite accounts by stressor (flat index), columns as Z.
        extensions_final_demand : pandas.DataFrame of shape (k, K), optional
            Direct final-demand part of the extensions (e.g. household emissions), columns as Y.
        units : Mapping[str, str], optional
            ``"monetary"`` (e.g. ``"million EUR"``) and one unit per stressor.
        meta : Mapping[str, Any], optional
            Free metadata: year, currency, source, licence, notes, assumptions.
        value_added_components : sequence, optional
            Rows of V forming gross value added; default all rows of V.
        rtol : float, default 1e-6
            Identities must hold to ``|lhs - rhs| <= rtol * max(1, |rhs|)``.

        Returns
        -------
        MRIO

        Raises
        ------
        LabelError
            Misnamed, duplicated, misaligned or non-region-major labels.
        InvalidTableError
            NaN/inf, negative intermediate flows or output, inputs into zero-output industries.
        IdentityError
            Row or column balance fails beyond ``rtol``.
        """
        for name, frame in (("Z", Z), ("Y", Y)):
            if not isinstance(frame, pd.DataFrame):
                raise InvalidTableError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
        rtol = check_rtol(rtol, "rtol")
        if Z.shape[0] != Z.shape[1]:
            raise InvalidTableError(f"Z must be square, got shape {Z.shape}")
        if Z.shape[0] == 0:
            raise InvalidTableError("Z has no industries (a 0 x 0 system): nothing to analyse")
        lab.check_multiindex(Z.index, lab.INDUSTRY_LEVELS, "Z rows")
        lab.check_multiindex(Z.columns, lab.INDUSTRY_LEVELS, "Z columns")
        lab.check_same(Z.columns, Z.index, "Z columns", "Z rows")
        index = Z.index
        lab.check_region_major(index, "Z rows")
        lab.check_same(Y.index, index, "Y rows", "Z rows")
        lab.check_multiindex(Y.columns, lab.FINAL_DEMAND_LEVELS, "Y columns")
        Zv = lab.check_finite(Z, "Z")
        Yv = lab.check_finite(Y, "Y")
        neg = np.argwhere(Zv < 0)
        if neg.size:
            cells = [(index[i], index[j]) for i, j in neg[:5]]
            raise InvalidTableError(
                f"Z has {len(neg)} negative intermediate flows, e.g. at {lab._show(cells)}; keep "
                "negative entries (inventory changes, subsidies) in final demand or V"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            row_total = Zv.sum(axis=1) + Yv.sum(axis=1)
            col_total = Zv.sum(axis=0)
        _check_sums(row_total, index, "row sums Z i + Y i")
        _check_sums(col_total, index, "column sums i'Z")
        if x is None:
            xv = row_total
        else:
            if not isinstance(x, pd.Series):
                raise InvalidTableError(f"x must be a pandas Series, got {type(x).__name__}")
            lab.check_same(x.index, index, "x", "Z rows")
            xv = lab.check_finite(x, "x")
            _check_identity(xv, row_total, index, rtol, "row balance x = Z i + Y i")
        negative = np.flatnonzero(xv < 0)
        if negative.size:
            raise InvalidTableError(
                f"gross output is negative for {lab._show(index[negative])} "
                f"(values {xv[negative[:5]].round(6).tolist()})"
            )
        if V is None:
            Vv = (xv - Zv.sum(axis=0))[np.newaxis, :]
            V = pd.DataFrame(Vv, index=pd.Index(["value_added"], name=lab.COMPONENT), columns=index)
        else:
            if not isinstance(V, pd.DataFrame):
                raise InvalidTableError(f"V must be a pandas DataFrame, got {type(V).__name__}")
            lab.check_flat(V.index, "V rows")
            lab.check_same(V.columns, index, "V columns", "Z rows")
            Vv = lab.check_finite(V, "V")
            with np.errstate(over="ignore", invalid="ignore"):
                v_total = Vv.sum(axis=0)
            _check_sums(v_total, index, "column sums i'V")
            _check_identity(xv, Zv.sum(axis=0) + Vv.sum(axis=0), index, rtol,
                            "column balance x' = i'Z + i'V")
        inactive = np.flatnonzero(xv == 0)
        if inactive.size:
            uses = np.abs(Zv[:, inactive]).sum(axis=0) + np.abs(Vv[:, inactive]).sum(axis=0)
            sells = np.abs(Zv[inactive, :]).sum(axis=1)
            bad = inactive[(uses > 0) | (sells > 0)]
            if bad.size:
                raise InvalidTableError(
                    f"industries {lab._show(index[bad])} have zero gross output but non-zero "
                    "intermediate sales or inputs; the 0/0 := 0 rule only covers inactive industries"
                )
        F = F_Y = None
        stressors = pd.Index([], name=lab.STRESSOR)
        if extensions is not None:
            lab.check_flat(extensions.index, "extension rows")
            lab.check_same(extensions.columns, index, "extension columns", "Z rows")
            F = pd.DataFrame(lab.check_finite(extensions, "extensions"),
                             index=extensions.index.rename(lab.STRESSOR), columns=index, copy=False)
            stressors = F.index
        if extensions_final_demand is not None:
            if F is None:
                raise InvalidTableError("extensions_final_demand given without extensions")
            lab.check_same(extensions_final_demand.index, stressors, "extensions_final_demand rows",
                           "extension rows")
            lab.check_same(extensions_final_demand.columns, Y.columns, "extensions_final_demand columns",
                           "Y columns")
            F_Y = pd.DataFrame(lab.check_finite(extensions_final_demand, "extensions_final_demand"),
                               index=stressors, columns=Y.columns, copy=False)
        units = dict(units or {})
        units.setdefault("monetary", str((meta or {}).get("unit", "monetary units")))
        missing_units = [s for s in stressors if str(s) not in units]
        if missing_units:
            raise LabelError(f"units missing for stressors {lab._show(missing_units)}")
        va_rows = tuple(V.index) if value_added_components is None else tuple(value_added_components)
        lab.lookup(V.index, va_rows, "value-added components (rows of V)")
        _warn_full_columns(Zv.sum(axis=0), xv, index, stacklevel=2)
        return cls(
            Z=_stored_frame(Z, Zv, index, index),
            Y=_stored_frame(Y, Yv, index, Y.columns),
            V=_stored_frame(V, Vv, V.index.rename(lab.COMPONENT), index),
            F=None if F is None else _stored_frame(extensions, F.to_numpy(), F.index, index),
            F_Y=None if F_Y is None else _stored_frame(extensions_final_demand, F_Y.to_numpy(), F_Y.index,
                                                       F_Y.columns),
            x=pd.Series(_frozen_array(xv), index=index, name="output", copy=True),
            units=units, meta=meta or {}, value_added_components=va_rows,
            inactive=index[inactive],
        )

    @classmethod
    def _from_trusted_arrays(cls, Z: np.ndarray, Y: np.ndarray, V: np.ndarray, x: np.ndarray, *,
                             index: pd.MultiIndex, y_columns: pd.MultiIndex, components: pd.Index,
                             extensions: np.ndarray | None = None, stressors: pd.Index | None = None,
                             units: Mapping[str, str], meta: Mapping[str, Any],
                             value_added_components: Sequence[Hashable],
                             z_column_sums: np.ndarray | None = None,
                             trade_structure: tuple[np.ndarray, np.ndarray] | None = None) -> MRIO:
        """Wrap arrays that satisfy every check of :meth:`from_flows` by construction, without checking them.

        Internal: for a builder whose construction guarantees what :meth:`from_flows` checks
        (region-major labels as given, finite non-negative ``Z`` and ``x``, ``x = Z i + Y i =
        i'Z + i'V``, zero-output industries without sales or inputs), such as
        :func:`mrio.build.regional.build_mrio`, which checks the national consistency of every
        table it builds instead. Ensembles rebuild a table per draw, and the checks of the
        public constructor cost several passes over the ``N x N`` flows; every public
        constructor keeps validating.

        Parameters
        ----------
        Z, Y, V, x : ndarray
            New arrays (made read-only here, not copied).
        index, y_columns, components : pandas.Index
            Labels of Z's rows and columns, Y's columns, V's rows.
        extensions : ndarray of shape (k, N), optional
            With ``stressors`` (k labels).
        units, meta, value_added_components
            As :meth:`from_flows` (``units`` complete, ``"monetary"`` included).
        z_column_sums : ndarray of shape (N,), optional
            ``i'Z`` if the builder has it: the warning of :meth:`from_flows` on columns of ``A``
            that sum to 1 or more is then given too.
        trade_structure : (t, technology), optional
            The trade shares ``t`` (n, R, R) and regional technologies (R, n, n) with
            ``A^{rs} = diag(t^{rs}) a^s`` (docs/methods/leontief.md, section "Iterative
            solvers"), known to the builder: stored as the system's detected structure, and
            ``A`` itself is then formed only when asked for.
        """
        component_index = pd.Index(components, name=lab.COMPONENT)
        F = None
        if extensions is not None:
            F = pd.DataFrame(_frozen_array(extensions), index=pd.Index(stressors, name=lab.STRESSOR),
                             columns=index, copy=False)
        xv = _frozen_array(x)
        if z_column_sums is not None:
            _warn_full_columns(z_column_sums, xv, index, stacklevel=2)
        system = cls(
            Z=pd.DataFrame(_frozen_array(Z), index=index, columns=index, copy=False),
            Y=pd.DataFrame(_frozen_array(Y), index=index, columns=y_columns, copy=False),
            V=pd.DataFrame(_frozen_array(V), index=component_index, columns=index, copy=False),
            F=F, F_Y=None, x=pd.Series(xv, index=index, name="output", copy=False),
            units=units, meta=meta, value_added_components=tuple(value_added_components),
            inactive=index[np.flatnonzero(xv == 0)])
        if trade_structure is not None:
            arrays = _LazyArrays(Z=system._Z.to_numpy(), Y=system._Y.to_numpy(), V=system._V.to_numpy(), x=xv,
                                 F=F.to_numpy() if F is not None else np.zeros((0, len(index))))
            system.__dict__["arrays"] = arrays
            if system.n_regions >= 2 and len(index) >= STRUCTURED_MIN_INDUSTRIES:
                system.__dict__["_trade_structure"] = tuple(_frozen_array(a) for a in trade_structure)
        return system

    @classmethod
    def from_coefficients(
        cls,
        A: pd.DataFrame,
        Y: pd.DataFrame,
        value_added_coefficients: pd.DataFrame | None = None,
        extension_coefficients: pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> MRIO:
        """Build a system from coefficients: ``x = (I - A)^-1 Y i``, ``Z = A x``.

        Parameters
        ----------
        A : pandas.DataFrame of shape (N, N)
            Technical coefficients, labelled like Z.
        Y : pandas.DataFrame of shape (N, K)
        value_added_coefficients : pandas.DataFrame of shape (h, N), optional
            Primary inputs per unit of output; ``V = v_c x``. Must satisfy ``i'A + i'v_c = i'``
            for the column balance to hold; omitted, one ``"value_added"`` row closes it.
        extension_coefficients : pandas.DataFrame of shape (k, N), optional
            ``F = S x``.
        **kwargs
            Passed on to :meth:`from_flows` (``units``, ``meta``, ``rtol``...).
        """
        lab.check_multiindex(A.index, lab.INDUSTRY_LEVELS, "A rows")
        lab.check_same(A.columns, A.index, "A columns", "A rows")
        lab.check_same(Y.index, A.index, "Y rows", "A rows")
        Av = lab.check_finite(A, "A")
        Yv = lab.check_finite(Y, "Y")
        with kernel_errors(A.index):
            report = kernels.solve_leontief(Av, Yv.sum(axis=1), method="lu")
        xv = report.x
        Z = pd.DataFrame(Av * xv[np.newaxis, :], index=A.index, columns=A.index)
        V = None
        if value_added_coefficients is not None:
            lab.check_same(value_added_coefficients.columns, A.index, "value_added_coefficients columns",
                           "A rows")
            V = value_added_coefficients * xv
        F = None
        if extension_coefficients is not None:
            lab.check_same(extension_coefficients.columns, A.index, "extension_coefficients columns",
                           "A rows")
            F = extension_coefficients * xv
        return cls.from_flows(Z, Y, V=V, x=pd.Series(xv, index=A.index), extensions=F, **kwargs)

    @classmethod
    def from_pymrio(cls, iosystem: Any, extensions: Sequence[str] | None = None, **kwargs: Any) -> MRIO:
        """Convert a :class:`pymrio.IOSystem` (Z and Y must be present; run ``calc_system`` otherwise).

        Parameters
        ----------
        iosystem : pymrio.IOSystem
        extensions : sequence of str, optional
            Names of pymrio extensions to carry over (default: all; for a system written by
            :meth:`to_pymrio`, its ``satellite``). Multi-level stressor rows are flattened to
            ``"stressor | compartment"``; names that collide across extensions raise
            :class:`~mrio.errors.LabelError`.
        **kwargs
            Passed on to :meth:`from_flows`.

        Notes
        -----
        The ``factor_inputs`` extension becomes the primary inputs ``V`` when it closes the
        column balance ``x' = i'Z + i'V``; otherwise ``V`` is one ``"value_added"`` row
        ``x - i'Z``. A system exported by :meth:`to_pymrio` comes back bit for bit: value-added
        components, units, metadata and the final-demand columns are read from the pymrio
        metadata entry ``"mrio"`` and the padding for outside destinations is removed (see
        ``mrio.core.pymrio_interop``).
        """
        from mrio.core.pymrio_interop import from_pymrio

        return from_pymrio(cls, iosystem, extensions, **kwargs)

    def to_pymrio(self) -> Any:
        """Convert to a :class:`pymrio.IOSystem` that pymrio's own methods accept.

        Z, Y and x in pymrio's layout (every final-demand destination a region, the same
        categories in every region: outside destinations such as ``"RoW"`` become regions with
        zero rows and columns), V as the ``factor_inputs`` extension and the extensions as
        ``satellite``; what pymrio has no place for is kept in its metadata entry ``"mrio"``, so
        :meth:`from_pymrio` restores the system exactly. pymrio's ``calc_all``, ``aggregate``
        and ``report_accounts`` run on the result.
        """
        from mrio.core.pymrio_interop import to_pymrio

        return to_pymrio(self)

    def replace(self, **changes: Any) -> MRIO:
        """Return a new validated system with some inputs of :meth:`from_flows` replaced."""
        args = dict(Z=self.Z, Y=self.Y, V=self.V, x=None, extensions=self.F,
                    extensions_final_demand=self.F_Y, units=dict(self.units), meta=dict(self.meta),
                    value_added_components=self.value_added_components,
                    rtol=identity_rtol(self.meta))
        unknown = set(changes) - set(args)
        if unknown:
            raise TypeError(f"replace() got unknown fields {sorted(unknown)}")
        args.update(changes)
        return type(self).from_flows(**args)

    def with_meta(self, **entries: Any) -> MRIO:
        """Return the same system with ``entries`` added to (or replacing) its metadata.

        The tables are shared, not copied or validated again (they are immutable and unchanged);
        use :meth:`replace` to change a table.
        """
        return type(self)(Z=self._Z, Y=self._Y, V=self._V, F=self._F, F_Y=self._F_Y, x=self._x,
                          units=self._units, meta={**self._meta, **entries},
                          value_added_components=self._va_rows, inactive=self._inactive)

    # ------------------------------------------------------------------ stored tables
    Z = property(lambda self: self._Z, doc="Intermediate flows, (region, sector) x (region, sector).")
    Y = property(lambda self: self._Y, doc="Final demand, (region, sector) x (region, category).")
    V = property(lambda self: self._V, doc="Primary inputs, component x (region, sector).")
    F = property(lambda self: self._F, doc="Extensions (satellite accounts), stressor x (region, sector).")
    F_Y = property(lambda self: self._F_Y, doc="Direct final-demand extensions, stressor x Y columns.")
    x = property(lambda self: self._x, doc="Gross output by (region, sector).")
    units = property(lambda self: self._units, doc="Units: 'monetary' and one per stressor.")
    meta = property(lambda self: self._meta, doc="Metadata (year, source, licence, assumptions...).")
    value_added_components = property(lambda self: self._va_rows,
                                      doc="Rows of V that make up gross value added.")
    inactive = property(lambda self: self._inactive,
                        doc="Industries with zero output (their multipliers are reported as NaN).")

    @property
    def index(self) -> pd.MultiIndex:
        """The (region, sector) MultiIndex of Z's rows and columns."""
        return self._Z.index

    @cached_property
    def regions(self) -> pd.Index:
        """Regions of the system, in table order."""
        return pd.Index(pd.unique(self.index.get_level_values("region")), name="region")

    @cached_property
    def region_aliases(self) -> dict:
        """Other names of the regions (CBS and NUTS codes, former spellings): alias -> region.

        From ``meta["region_aliases"]``; entries that name no region of the system, or that are
        themselves a region's label, are ignored. Every region selection of the API and the
        command line accepts these aliases.
        """
        raw = self._meta.get("region_aliases")
        if not isinstance(raw, Mapping):
            return {}
        regions = set(self.regions)
        return {alias: name for alias, name in raw.items() if name in regions and alias not in regions}

    @cached_property
    def commuting(self) -> pd.DataFrame | None:
        """Employee jobs by region of residence (rows) x region of work (columns), or ``None``.

        From ``meta["commuting_jobs"]`` (``COMMUTING_KEY``: work region -> region of residence
        -> jobs, regions named by their label or its ``str``); regions it does not name have no
        jobs. ``aggregate`` sums it over grouped regions. Used by the type II multipliers
        (docs/methods/multipliers.md, section "Type II multipliers").

        Raises
        ------
        InvalidTableError
            The entry is not a mapping of mappings, names a region that is not in the system,
            or holds a negative or non-finite number of jobs.
        """
        raw = self._meta.get(COMMUTING_KEY)
        if raw is None:
            return None
        where = f"meta[{COMMUTING_KEY!r}]"
        if not isinstance(raw, Mapping) or not all(isinstance(v, Mapping) for v in raw.values()):
            raise InvalidTableError(f"{where} must map work region -> region of residence -> jobs")
        names = {str(r): r for r in self.regions}
        names.update({r: r for r in self.regions})
        jobs = pd.DataFrame(0.0, index=pd.Index(self.regions, name="residence"),
                            columns=pd.Index(self.regions, name="work"))
        for work, column in raw.items():
            for residence, value in column.items():
                unknown = [r for r in (work, residence) if r not in names]
                if unknown:
                    raise InvalidTableError(f"{where} names {unknown[0]!r}, which is no region of the system "
                                            f"(entry {work!r} -> {residence!r})")
                if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                        or not np.isfinite(value) or value < 0:
                    raise InvalidTableError(f"{where}[{work!r}][{residence!r}] = {value!r}: jobs must be "
                                            "finite and non-negative")
                jobs.loc[names[residence], names[work]] += float(value)
        return jobs

    @cached_property
    def sectors(self) -> pd.Index:
        """Sectors (the same in every region), in table order."""
        return pd.Index(pd.unique(self.index.get_level_values("sector")), name="sector")

    @cached_property
    def categories(self) -> pd.Index:
        """Final-demand categories, in table order."""
        return pd.Index(pd.unique(self._Y.columns.get_level_values("category")), name="category")

    @cached_property
    def final_demand_regions(self) -> pd.Index:
        """Destinations of final demand: the system's regions and any outside ones (e.g. RoW)."""
        return pd.Index(pd.unique(self._Y.columns.get_level_values("region")), name="region")

    @property
    def stressors(self) -> pd.Index:
        """Extension rows (empty when the system has no extensions)."""
        return self._F.index if self._F is not None else pd.Index([], name=lab.STRESSOR)

    @property
    def n_regions(self) -> int:
        """Number of regions R."""
        return len(self.regions)

    @property
    def n_sectors(self) -> int:
        """Number of sectors per region n."""
        return len(self.sectors)

    def __len__(self) -> int:
        return len(self.index)

    # ------------------------------------------------------------------ arrays for kernels
    @cached_property
    def arrays(self) -> SimpleNamespace:
        """Read-only float64 arrays for kernels: ``Z, Y, V, x, A`` (``F`` if present)."""
        ns = SimpleNamespace(
            Z=self._Z.to_numpy(), Y=self._Y.to_numpy(), V=self._V.to_numpy(), x=self._x.to_numpy(),
            A=_frozen_array(kernels.technical_coefficients(self._Z.to_numpy(), self._x.to_numpy())),
        )
        ns.F = self._F.to_numpy() if self._F is not None else np.zeros((0, len(self)))
        return ns

    # ------------------------------------------------------------------ derived matrices
    @cached_property
    def A(self) -> pd.DataFrame:
        """Technical coefficients ``A = Z x^-1`` (Miller & Blair 2009, eq. 2.4; 0/0 := 0)."""
        return pd.DataFrame(self.arrays.A, index=self.index, columns=self.index, copy=False)

    @cached_property
    def B(self) -> pd.DataFrame:
        """Allocation (Ghosh) coefficients ``B = x^-1 Z`` (Miller & Blair 2009, sec. 12.1)."""
        B = _frozen_array(kernels.allocation_coefficients(self.arrays.Z, self.arrays.x))
        return pd.DataFrame(B, index=self.index, columns=self.index, copy=False)

    @cached_property
    def factor(self) -> kernels.LeontiefFactor:
        """LU factors of ``I - A``, certified productive; reused by every solve."""
        with kernel_errors(self.index):
            factor = kernels.LeontiefFactor(self.arrays.A)
            kernels.certify_productive(factor, self.arrays.A)
        return factor

    @cached_property
    def L(self) -> pd.DataFrame:
        """Leontief inverse ``L = (I - A)^-1``, formed explicitly on first access.

        Prefer :meth:`solve`, :meth:`leontief_product` and :meth:`leontief_row_product`, which
        use the stored LU factors and never form L.
        """
        with kernel_errors(self.index):
            L = self.factor.inverse()
        low = L.min() if L.size else 0.0
        if low < -1e-10:
            pos = np.unravel_index(np.argmin(L), L.shape)
            raise NonProductiveSystemError(
                f"the Leontief inverse has a negative entry {low:.3g} at "
                f"({self.index[pos[0]]!r}, {self.index[pos[1]]!r})")
        return pd.DataFrame(_frozen_array(L), index=self.index, columns=self.index, copy=False)

    @cached_property
    def G(self) -> pd.DataFrame:
        """Ghosh inverse ``G = (I - B)^-1 = x^-1 L x`` (Miller & Blair 2009, eq. 12.9)."""
        G = kernels.ghosh_inverse_from_leontief(self.L.to_numpy(), self.arrays.x)
        return pd.DataFrame(_frozen_array(G), index=self.index, columns=self.index, copy=False)

    @cached_property
    def value_added(self) -> pd.Series:
        """Gross value added by (region, sector): the sum of :attr:`value_added_components` rows of V."""
        return self._V.loc[list(self._va_rows)].sum(axis=0).rename("value_added")

    @cached_property
    def value_added_coefficients(self) -> pd.DataFrame:
        """Primary inputs per unit of output, ``V x^-1`` (all rows of V; 0/0 := 0)."""
        vc = kernels.safe_divide(self.arrays.V, self.arrays.x[np.newaxis, :])
        return pd.DataFrame(_frozen_array(vc), index=self._V.index, columns=self.index, copy=False)

    @cached_property
    def S(self) -> pd.DataFrame:
        """Extension intensities ``S = F x^-1`` (pymrio ``calc_S``); empty without extensions."""
        s = kernels.safe_divide(self.arrays.F, self.arrays.x[np.newaxis, :])
        return pd.DataFrame(_frozen_array(s), index=self.stressors, columns=self.index, copy=False)

    # ------------------------------------------------------------------ solves
    @cached_property
    def _trade_structure(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(t, technology)`` when ``A^{rs} = diag(t^{rs}) a^s`` (:func:`mrio.kernels.trade_structure`)."""
        if self.n_regions < 2 or len(self) < STRUCTURED_MIN_INDUSTRIES:
            return None
        return kernels.trade_structure(self.arrays.A, self.n_regions)

    def leontief_product(self, rhs: np.ndarray) -> np.ndarray:
        """``L rhs`` for an array of shape (N,) or (N, k), without forming L.

        Through the stored LU factors of ``I - A`` when they exist. Before any factorisation, a
        large table with the trade-coefficient structure of a regional build (``A^{rs} =
        diag(t^{rs}) a^s``, Chenery-Moses; detected and checked entry by entry) and at most
        ``N / 8`` right-hand sides is solved by the Neumann iteration on that structure to a
        relative residual of 1e-14 (:func:`mrio.kernels.trade_structured_solve`: each step costs
        ``2 (R n^2 + n R^2) k`` flops, against ``2/3 N^3`` for the factorisation); it falls back to
        the LU factors if the iteration does not converge. See docs/methods/leontief.md, section
        "Iterative solvers".
        """
        rhs = np.asarray(rhs, dtype=np.float64)
        solved = self._structured_solve(rhs, transposed=False)
        return self.factor.solve(rhs) if solved is None else solved

    def leontief_row_product(self, rows: np.ndarray) -> np.ndarray:
        """``rows L`` for an array of shape (N,) or (k, N), without forming L.

        Through the stored LU factors (transposed solves) when they exist; before any
        factorisation, on a large trade-structured table with at most ``N / 8`` rows, by the
        transposed Neumann iteration ``m' <- s' + m' A`` on that structure, as
        :meth:`leontief_product` does for columns.
        """
        rows = np.asarray(rows, dtype=np.float64)
        solved = self._structured_solve(rows.T, transposed=True)
        return self.factor.solve_transposed(rows) if solved is None else solved.T

    def _structured_solve(self, rhs: np.ndarray, transposed: bool) -> np.ndarray | None:
        """``L rhs`` (``L' rhs`` if ``transposed``) on the trade structure, or ``None`` for the LU path."""
        k = 1 if rhs.ndim == 1 else rhs.shape[1]
        if "factor" not in self.__dict__ and k <= len(self) // 8 and self._trade_structure is not None:
            try:
                return kernels.trade_structured_solve(*self._trade_structure, rhs, transposed=transposed)[0]
            except kernels.NotConvergedError:
                pass  # not productive, or too slow: the LU path certifies or explains
        return None

    def solve(self, final_demand: pd.Series | pd.DataFrame | None = None, method: str = "auto",
              tol: float = 1e-12, max_iter: int = 10_000) -> SolveResult:
        """Gross output ``x = L y`` for one or many final-demand vectors.

        Parameters
        ----------
        final_demand : pandas.Series or pandas.DataFrame, optional
            Indexed by (region, sector) exactly like the system (columns: scenarios). Default:
            the system's total final demand ``Y i``.
        method : {"auto", "lu", "neumann", "block-jacobi", "gmres", "bicgstab", "sparse-lu"}
            ``"auto"`` picks by size, number of right-hand sides and density
            (:func:`mrio.kernels.choose_method`); ``"lu"`` reuses the cached factors.
        tol, max_iter
            Stopping rule of iterative methods.

        Returns
        -------
        SolveResult
            Labelled output plus the method used, its relative residual and iterations.
        
        Examples
        --------
        The system's own final demand gives back its output:

        >>> import numpy as np
        >>> import mrio
        >>> system = mrio.load("nl-2000")
        >>> result = system.solve()
        >>> result.method, bool(np.allclose(result.output, system.x)), result.residual < 1e-12
        ('lu', True, True)
        """
        if final_demand is None:
            final_demand = self._Y.sum(axis=1)
        lab.check_same(final_demand.index, self.index, "final_demand index", "the system's industries")
        y = lab.check_finite(final_demand, "final_demand")
        if method not in kernels.METHODS:
            raise InputError(f"unknown solver method {method!r}; choose from {', '.join(kernels.METHODS)}")
        tol = check_tolerance(tol, "tol")
        max_iter = check_count(max_iter, "max_iter")
        A = self.arrays.A
        reason = f"method {method!r} requested"
        if method == "auto":
            n_rhs = 1 if y.ndim == 1 else y.shape[1]
            norm_A = float(A.sum(axis=0).max()) if len(self) else 0.0
            method, reason = kernels.choose_method(len(self), n_rhs, int(np.count_nonzero(A)), norm_A)
        with kernel_errors(self.index):
            if method == "lu":
                xs = self.factor.solve(y)
                report = kernels.SolveReport(xs, "lu", kernels.relative_residual(A, xs, y), 0, reason)
            else:
                report = kernels.solve_leontief(A, y, method=method, block_size=self.n_sectors,
                                                tol=tol, max_iter=max_iter)
        if y.ndim == 1:
            out = pd.Series(report.x, index=self.index, name="output")
        else:
            out = pd.DataFrame(report.x, index=self.index, columns=final_demand.columns)
        return SolveResult(out, report.method, report.residual, report.iterations, report.detail)

    # ------------------------------------------------------------------ checks and summary
    def identity_checks(self) -> pd.DataFrame:
        """Worst relative violation of each accounting identity (I1-I3).

        See docs/methods/index.md, section "Accounting identities".

        Returns
        -------
        pandas.DataFrame
            One row per identity: ``max_relative_error`` and the industry where it occurs.
        """
        Z, Y, V, x = self.arrays.Z, self.arrays.Y, self.arrays.V, self.arrays.x
        rows = []
        scale = np.maximum(1.0, np.abs(x))
        for name, lhs in (("I1 row balance x = Zi + Yi", Z.sum(axis=1) + Y.sum(axis=1)),
                          ("I2 column balance x' = i'Z + i'V", Z.sum(axis=0) + V.sum(axis=0))):
            err = np.abs(lhs - x) / scale
            k = int(np.argmax(err)) if err.size else 0
            rows.append((name, float(err.max()) if err.size else 0.0, self.index[k] if err.size else None))
        total_y, total_v = Y.sum(), V.sum()
        rows.append(("I3 total final demand = total primary inputs",
                     abs(total_y - total_v) / max(1.0, abs(total_v)), None))
        return pd.DataFrame(rows, columns=["identity", "max_relative_error", "where"]).set_index("identity")

    def summary(self) -> dict[str, Any]:
        """Key facts: size, totals (output, value added, final demand), units, metadata."""
        return {
            "regions": self.n_regions,
            "sectors": self.n_sectors,
            "industries": len(self),
            "final_demand_categories": len(self.categories),
            "stressors": list(map(str, self.stressors)),
            "total_output": float(self.arrays.x.sum()),
            "total_value_added": float(self.value_added.sum()),
            "total_final_demand": float(self.arrays.Y.sum()),
            "inactive_industries": len(self._inactive),
            "unit": self._units.get("monetary"),
            **{k: v for k, v in self._meta.items() if isinstance(v, str | int | float)},
        }

    def __repr__(self) -> str:
        s = self.summary()
        name = self._meta.get("name") or self._meta.get("title") or "MRIO"
        return (f"<MRIO {name!s}: {s['regions']} regions x {s['sectors']} sectors, "
                f"output {s['total_output']:,.6g} {s['unit']}>")

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
            for k, v in s.items())
        return f"<table><caption>mrio.MRIO</caption>{rows}</table>"

    # ------------------------------------------------------------------ operations
    def aggregate(self, regions: Mapping | pd.Series | None = None,
                  sectors: Mapping | pd.Series | None = None) -> MRIO:
        """Regroup regions and/or sectors by a concordance; every flow total is preserved exactly.

        Parameters
        ----------
        regions : Mapping or pandas.Series, optional
            Region -> group. Must cover every region of the system. Final-demand destinations
            outside the system (e.g. ``"RoW"``) are kept unless the mapping names them.
        sectors : Mapping or pandas.Series, optional
            Sector -> group. Must cover every sector.

        Returns
        -------
        MRIO
            Groups appear in order of first appearance. Flows (Z, Y, V, F, F_Y) are sums, so
            totals are unchanged; multipliers are *not* preserved by aggregation (aggregation
            bias; Miller & Blair 2009, sec. 4.3 and appendix 4.1).
        """
        region_map = (lab.mapping_to_series(regions, self.regions, "region") if regions is not None
                      else pd.Series(self.regions, index=self.regions))
        sector_map = (lab.mapping_to_series(sectors, self.sectors, "sector") if sectors is not None
                      else pd.Series(self.sectors, index=self.sectors))
        new_regions = pd.Index(pd.unique(region_map.to_numpy()), name="region")
        new_sectors = pd.Index(pd.unique(sector_map.to_numpy()), name="sector")
        new_index = pd.MultiIndex.from_product([new_regions, new_sectors], names=list(lab.INDUSTRY_LEVELS))
        # integer group of each industry, region-major in the new order
        r_code = new_regions.get_indexer(region_map.loc[self.index.get_level_values("region")])
        s_code = new_sectors.get_indexer(sector_map.loc[self.index.get_level_values("sector")])
        group = r_code * len(new_sectors) + s_code
        # industry -> group and Y column -> group concordances as sparse 0/1 matrices: each
        # product below costs O(N^2) (a sum per group), never a dense N x N' multiplication
        G = sp.csr_array((np.ones(len(self)), (np.arange(len(self)), group)),
                         shape=(len(self), len(new_index)))
        fd_region_map = {r: region_map.get(r, r) for r in self.final_demand_regions}
        y_cols = pd.MultiIndex.from_arrays(
            [[fd_region_map[r] for r in self._Y.columns.get_level_values("region")],
             self._Y.columns.get_level_values("category")], names=list(lab.FINAL_DEMAND_LEVELS))
        new_y_cols = pd.MultiIndex.from_tuples(list(dict.fromkeys(y_cols)), names=list(lab.FINAL_DEMAND_LEVELS))
        Yc = sp.csr_array((np.ones(len(y_cols)), (np.arange(len(y_cols)), new_y_cols.get_indexer(y_cols))),
                          shape=(len(y_cols), len(new_y_cols)))

        def by_rows(M: np.ndarray, C: sp.csr_array) -> np.ndarray:  # C' M
            return np.asarray(C.T @ M)

        def by_columns(M: np.ndarray, C: sp.csr_array) -> np.ndarray:  # M C
            return np.asarray(C.T @ M.T).T

        Z = pd.DataFrame(by_columns(by_rows(self.arrays.Z, G), G), index=new_index, columns=new_index)
        Y = pd.DataFrame(by_columns(by_rows(self.arrays.Y, G), Yc), index=new_index, columns=new_y_cols)
        V = pd.DataFrame(by_columns(self.arrays.V, G), index=self._V.index, columns=new_index)
        F = F_Y = None
        if self._F is not None:
            F = pd.DataFrame(by_columns(self.arrays.F, G), index=self.stressors, columns=new_index)
            if self._F_Y is not None:
                F_Y = pd.DataFrame(by_columns(self._F_Y.to_numpy(), Yc), index=self.stressors,
                                   columns=new_y_cols)
        meta = dict(self._meta)
        meta["aggregated_from"] = f"{self.n_regions} regions x {self.n_sectors} sectors"
        if regions is not None:
            meta.pop("region_aliases", None)  # names of the former regions, not of the groups
            jobs = self.commuting
            if jobs is not None:  # job counts: the grouped matrix is the sum over grouped residences and workplaces
                grouped = jobs.groupby(region_map.loc[jobs.index].to_numpy(), sort=False).sum()
                grouped = grouped.T.groupby(region_map.loc[jobs.columns].to_numpy(), sort=False).sum().T
                meta[COMMUTING_KEY] = commuting_meta(grouped)
        return type(self).from_flows(Z, Y, V=V, extensions=F, extensions_final_demand=F_Y,
                                     units=dict(self._units), meta=meta,
                                     value_added_components=self._va_rows)

    def write(self, path: str, format: str = "parquet") -> None:
        """Write the system to a folder (see :func:`mrio.write`)."""
        write(self, path, format=format)

    # ------------------------------------------------------------------ pickling
    def __reduce__(self):
        """Pickle the stored tables and, when already computed, the LU factors.

        For Dask workers and process pools: a table factorised once is never factorised again.
        """
        fields = {name: getattr(self, name) for name in _STORED}
        fields["_units"], fields["_meta"] = dict(self._units), dict(self._meta)
        cached = {"factor": self.__dict__["factor"]} if "factor" in self.__dict__ else {}
        return _restore_mrio, (fields, cached)


_STORED = ("_Z", "_Y", "_V", "_F", "_F_Y", "_x", "_units", "_meta", "_va_rows", "_inactive")


def _frozen_copy(value):
    """Return a frame or series whose values are read-only again after unpickling."""
    if isinstance(value, pd.DataFrame):
        return pd.DataFrame(_frozen_array(value.to_numpy()), index=value.index, columns=value.columns, copy=False)
    if isinstance(value, pd.Series):
        return pd.Series(_frozen_array(value.to_numpy()), index=value.index, name=value.name, copy=False)
    return value


def _restore_mrio(fields: dict, cached: dict) -> MRIO:
    system = MRIO.__new__(MRIO)
    for name in _STORED:
        value = fields[name]
        if name in ("_units", "_meta"):
            value = MappingProxyType(dict(value))
        elif name != "_inactive":
            value = _frozen_copy(value)
        object.__setattr__(system, name, value)
    system.__dict__.update(cached)
    return system


def commuting_meta(jobs: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Return a commuting matrix as the JSON-ready metadata entry ``COMMUTING_KEY``.

    Parameters
    ----------
    jobs : pandas.DataFrame
        Employee jobs, region of residence (rows) x region of work (columns).

    Returns
    -------
    dict
        ``{str(work): {str(residence): jobs}}`` with the zero entries left out.
    """
    values = jobs.to_numpy(dtype=np.float64)
    return {str(work): {str(res): float(values[i, k]) for i, res in enumerate(jobs.index) if values[i, k] != 0}
            for k, work in enumerate(jobs.columns)}


def identity_rtol(meta: Mapping[str, Any], rtol: float | None = None) -> float:
    """Return the tolerance of the identity checks.

    ``rtol`` if given, else the table's own ``meta["identity_rtol"]`` (a table built from a national
    table with a looser tolerance records it), else the default.
    """
    if rtol is not None:
        return rtol
    stored = meta.get("identity_rtol") if isinstance(meta, Mapping) else None
    if isinstance(stored, int | float) and not isinstance(stored, bool) and 0 <= stored < 1:
        return max(DEFAULT_RTOL, float(stored))
    return DEFAULT_RTOL


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def _warn_full_columns(column_sums: np.ndarray, x: np.ndarray, index: pd.Index, stacklevel: int) -> None:
    """Warn about columns of ``A = Z x^-1`` that sum to 1 or more (inputs >= output)."""
    with np.errstate(all="ignore"):
        colsum = np.where(x > 0, column_sums / np.where(x > 0, x, 1.0), 0.0)
    if (colsum >= 1.0).any():
        warnings.warn(f"columns of A sum to 1 or more (inputs >= output) for {lab._show(index[colsum >= 1.0])}: "
                      "check the data", MRIOWarning, stacklevel=stacklevel + 1)


def _check_sums(values: np.ndarray, index: pd.Index, what: str) -> None:
    """Finite entries whose sums overflow to inf would give inf output: refuse them, naming where."""
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise InvalidTableError(f"{what} overflow (not finite) for {lab._show(index[bad])}: entries too large "
                                "for float64 sums; rescale the table (e.g. to millions)")


def _check_identity(expected: np.ndarray, computed: np.ndarray, index: pd.Index, rtol: float,
                    what: str) -> None:
    err = np.abs(computed - expected)
    tol = rtol * np.maximum(1.0, np.abs(expected))
    bad = np.flatnonzero(err > tol)
    if bad.size:
        worst = bad[np.argsort(-err[bad] / tol[bad])][:5]
        detail = ", ".join(f"{index[i]!r}: {computed[i]:.12g} vs {expected[i]:.12g} (differ by "
                           f"{computed[i] - expected[i]:+.6g}, relative {err[i] / max(1.0, abs(expected[i])):.3g})"
                           for i in worst)
        raise IdentityError(f"{what} fails for {bad.size} industries (rtol {rtol:g}); worst: {detail}")
