"""The design of an effects model: formula, dates, reference levels, splines and counterfactual rows.

:func:`build_design` turns the user's formula and row metadata into a :class:`Design`: the
prepared rows (dates parsed, categorical columns with their reference level first), the
formulaic model spec and matrix, and the *derivation* that recomputes every column made from
a date (decimal years, ``period`` before/after a change date, ``bin(date, "month")`` bins), so
that counterfactual rows (a level set for every row, a date moved along a grid) get the same
columns the model was fitted on.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, TextlabWarning, bad_value

__all__ = ["Design", "build_design", "parse_dates", "decimal_year"]

#: Default degrees of freedom of ``s(x)`` when none is given (stm's default is 10; 4 suits months of news).
DEFAULT_SPLINE_DF = 4
BIN_UNITS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_SPLINE = re.compile(r"\b(s|bs)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*df\s*=\s*(\d+)\s*)?\)")
_BIN = re.compile(r"\bbin\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*[\"']?(week|month|quarter|year)[\"']?\s*\)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
PERIOD = "period"


@dataclass(frozen=True)
class Design:
    """A fitted design: prepared rows, model spec and matrix, and how columns derive from dates.

    Attributes
    ----------
    rows
        The rows used (missing covariates dropped), dates as ``datetime64``, categorical
        columns as ``pd.Categorical`` with the reference level first.
    matrix
        ``N x p`` float model matrix.
    columns
        The ``p`` column names of ``matrix`` (formulaic's names, e.g. ``outlet[T.b]``).
    spec
        formulaic ``ModelSpec``, to build counterfactual matrices.
    formula
        The right-hand side actually fitted (``s()`` as ``bs()``, bins and ``period`` resolved).
    categorical, continuous
        Variables of the formula by kind (columns of ``rows``).
    dates
        Date columns (parsed, and entered in the model as years since ``origin``).
    origin
        Decimal year of 1 January of the earliest date's year (a date term's zero).
    notes
        What was changed and why (spline fallbacks, derived columns, dropped rows).
    """

    rows: pd.DataFrame
    matrix: np.ndarray
    columns: list[str]
    spec: Any
    formula: str
    categorical: list[str]
    continuous: list[str]
    dates: list[str]
    change_date: pd.Timestamp | None
    bins: dict[str, tuple[str, str]]
    origin: float = 0.0
    notes: dict = field(default_factory=dict)

    def derive(self, frame: pd.DataFrame, *, from_dates: bool = True) -> pd.DataFrame:
        """The columns the model reads from prepared rows: dates as years since :attr:`origin`, and
        (``from_dates=True``) ``period`` and bins recomputed from the dates."""
        return derive_columns(frame, self.dates, self.change_date if from_dates else None,
                              self.bins if from_dates else {}, self.origin)

    def model_matrix(self, frame: pd.DataFrame, *, from_dates: bool = True) -> np.ndarray:
        """Model matrix of (counterfactual) prepared rows, with the fitted spline knots and levels.

        ``from_dates=False`` keeps the ``period`` and bin columns as set in ``frame`` (a level set
        counterfactually) instead of recomputing them from the dates.
        """
        mm = self.spec.get_model_matrix(self.derive(frame, from_dates=from_dates), na_action="raise")
        return np.asarray(mm, dtype=float)


def decimal_year(dates: pd.Series) -> np.ndarray:
    """Dates as decimal years (``2024-07-02`` -> about ``2024.5``), so slopes are per year.

    Examples
    --------
    >>> decimal_year(pd.Series(pd.to_datetime(["2023-01-01", "2024-01-01"]))).tolist()
    [2023.0, 2024.0]
    """
    d = pd.DatetimeIndex(dates)
    length = np.where(d.is_leap_year, 366.0, 365.0)
    return (d.year + (d.day_of_year - 1) / length).to_numpy(dtype=float)


def parse_dates(rows: pd.DataFrame, column: str, *, id_column: str | None = None) -> pd.Series:
    """Parse a date column, refusing in one line any value that is not a date (naming its rows).

    Parameters
    ----------
    rows
        Row metadata.
    column
        The date column: ISO strings (``2024-07-04``), datetimes or anything
        :func:`pandas.to_datetime` reads unambiguously.
    id_column
        Column naming the rows in the error (default ``passage_id`` or ``doc_id`` if present).

    Returns
    -------
    pandas.Series
        ``datetime64`` values (timezone dropped), missing values kept missing.

    Examples
    --------
    >>> parse_dates(pd.DataFrame({"date": ["2024-01-05", "2024-02-01"]}), "date").dt.month.tolist()
    [1, 2]
    """
    if column not in rows.columns:
        raise ConfigError(f"date column {column!r} is not a column of rows: expected one of {sorted(map(str, rows.columns))}")
    raw = rows[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(raw.astype("string"), errors="coerce", format="mixed")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    bad = parsed.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        ids = id_column or next((c for c in ("passage_id", "doc_id") if c in rows.columns), None)
        where = np.flatnonzero(bad)[:5]
        names = [f"row {i}" + (f" ({rows[ids].iloc[i]})" if ids else "") + f" {raw.iloc[i]!r}" for i in where]
        raise ConfigError(f"date column {column!r}: {int(bad.sum())} value(s) do not parse as dates: "
                          f"{', '.join(names)}; write them as YYYY-MM-DD or drop those rows")
    return pd.Series(parsed.to_numpy(dtype="datetime64[ns]"), index=rows.index, name=column)


def derive_columns(frame: pd.DataFrame, dates: Sequence[str], change_date, bins: Mapping,
                   origin: float = 0.0) -> pd.DataFrame:
    """Model columns from prepared rows: years since ``origin``, ``period`` and ``<date>_<unit>`` bins (internal)."""
    out = frame.copy()
    for name, (source, unit) in bins.items():
        periods = pd.DatetimeIndex(frame[source]).to_period(BIN_UNITS[unit]).astype(str)
        out[name] = pd.Categorical(periods, categories=frame[name].cat.categories)
    if change_date is not None:
        after = pd.DatetimeIndex(frame[dates[0]]) >= change_date
        out[PERIOD] = pd.Categorical(np.where(after, "after", "before"), categories=["before", "after"])
    for column in dates:
        out[column] = decimal_year(frame[column]) - origin
    return out


def _split_formula(formula: str) -> tuple[str, str]:
    if not isinstance(formula, str) or "~" not in formula:
        raise bad_value("formula", formula, "a formula such as '~ outlet + s(date, df=4)' (with '~')")
    lhs, rhs = formula.split("~", 1)
    if not rhs.strip():
        raise bad_value("formula", formula, "terms after '~', e.g. '~ outlet'")
    return lhs.strip(), rhs.strip()


def _rewrite_bins(rhs: str, rows: pd.DataFrame, dates: list[str]) -> tuple[str, dict]:
    bins = {}

    def replace(match: re.Match) -> str:
        source, unit = match.group(1), match.group(2)
        if source not in dates:
            raise ConfigError(f"formula: bin({source}, {unit}) needs a date column; {source!r} is not one "
                              f"(date columns: {dates})")
        name = f"{source}_{unit}"
        bins[name] = (source, unit)
        return name

    return _BIN.sub(replace, rhs), bins


def _rewrite_splines(rhs: str, values: pd.DataFrame, notes: dict) -> str:
    def replace(match: re.Match) -> str:
        variable, df = match.group(2), int(match.group(3) or DEFAULT_SPLINE_DF)
        if variable not in values.columns:
            raise ConfigError(f"formula: spline of {variable!r}, which is not a column of rows")
        distinct = int(pd.Series(values[variable]).nunique())
        if df < 1:
            raise bad_value(f"df of the spline of {variable}", df, "an integer >= 1")
        if df <= distinct - 1:
            return f"bs({variable}, df={df})"
        if distinct < 2:
            raise EstimationError(f"formula: {variable!r} takes {distinct} distinct value(s): no trend can be "
                                  "estimated; drop it from the formula")
        new = distinct - 1
        warnings.warn(f"estimate_effect: spline of {variable!r} asked for df={df} but {variable} has "
                      f"{distinct} distinct values; using df={new}" + (" (a straight line)" if new == 1 else ""),
                      SmallSampleWarning, stacklevel=4)
        notes.setdefault("spline_fallbacks", {})[variable] = {"df_requested": df, "df_used": new,
                                                              "distinct_values": distinct}
        return variable if new == 1 else f"bs({variable}, df={new}, degree={min(3, new)})"

    return _SPLINE.sub(replace, rhs)


def _variables(rhs: str, columns: Sequence[str]) -> list[str]:
    names = []
    for token in _NAME.findall(re.sub(r"(\"[^\"]*\"|'[^']*')", " ", rhs)):
        if token in columns and token not in names:
            names.append(token)
    return names


def _as_categorical(column: pd.Series, name: str, reference: Any) -> pd.Categorical:
    if isinstance(column.dtype, pd.CategoricalDtype):
        levels = [c for c in column.cat.categories if (column == c).any()]
    else:
        levels = sorted(column.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
    if reference is not None:
        match = [lv for lv in levels if lv == reference or str(lv) == str(reference)]
        if not match:
            raise ConfigError(f"reference={reference!r} is not a level of {name!r}; its levels: {[str(v) for v in levels]}")
        levels = [match[0]] + [lv for lv in levels if lv is not match[0]]
    return pd.Categorical(column, categories=levels)


def _references(reference: Any, categorical: list[str]) -> dict:
    if reference is None:
        return {}
    if isinstance(reference, Mapping):
        unknown = sorted(set(reference) - set(categorical))
        if unknown:
            raise ConfigError(f"reference names {unknown}, which are not categorical terms of the formula "
                              f"({categorical})")
        return dict(reference)
    if not categorical:
        raise ConfigError(f"reference={reference!r} was given but the formula has no categorical term")
    return {categorical[0]: reference}


def build_design(rows: pd.DataFrame, formula: str, *, reference: Any = None, date_columns: Sequence[str] | None = None,
                 change_date: Any = None) -> tuple[Design, np.ndarray]:
    """Prepare ``rows`` for ``formula`` and build the model matrix.

    Returns the :class:`Design` and the positions (in ``rows``) of the rows kept.
    Rows with a missing value in a variable of the formula are dropped with a warning.

    Examples
    --------
    >>> rows = pd.DataFrame({"outlet": ["a", "b", "a", "b"], "date": ["2024-01-01", "2024-03-01",
    ...                      "2024-05-01", "2024-07-01"]})
    >>> design, kept = build_design(rows, "~ outlet + date", reference={"outlet": "b"})
    >>> design.columns, design.origin
    (['Intercept', 'outlet[T.a]', 'date'], 2024.0)
    """
    from formulaic import model_matrix
    from formulaic.errors import FormulaicError

    lhs, rhs = _split_formula(formula)
    notes: dict = {"formula_given": formula}
    if date_columns is None:
        used = _variables(rhs, rows.columns)
        date_columns = [c for c in used if c == "date" or pd.api.types.is_datetime64_any_dtype(rows[c])]
        if not date_columns and (change_date is not None or _BIN.search(rhs)) and "date" in rows.columns:
            date_columns = ["date"]
    dates = list(date_columns)
    prepared = rows.copy()
    for column in dates:
        prepared[column] = parse_dates(rows, column)
    rhs, bins = _rewrite_bins(rhs, prepared, dates)
    when = None
    if change_date is not None:
        if not dates:
            raise ConfigError("change_date needs a date column in the formula (e.g. '~ outlet + date') or date_columns=")
        when = pd.Timestamp(change_date)
        if not re.search(rf"\b{PERIOD}\b", rhs):
            rhs = f"{rhs} + {PERIOD}"
            notes["period_added"] = f"'+ {PERIOD}' added to the formula for the before/after contrast"
        prepared[PERIOD] = pd.Categorical(np.where(prepared[dates[0]] >= when, "after", "before"),
                                          categories=["before", "after"])
    for name, (source, unit) in bins.items():
        periods = pd.DatetimeIndex(prepared[source]).to_period(BIN_UNITS[unit])
        prepared[name] = pd.Categorical(periods.astype(str), categories=sorted(set(periods.dropna().astype(str))))
    variables = _variables(rhs, prepared.columns)
    if not variables and rhs.strip() not in ("1", "0"):
        raise ConfigError(f"formula={formula!r} names no column of rows; columns: {sorted(map(str, rows.columns))}")
    missing = prepared[variables].isna().any(axis=1).to_numpy() if variables else np.zeros(len(prepared), bool)
    if missing.any():
        warnings.warn(f"estimate_effect: {int(missing.sum())} row(s) with a missing value in {variables} dropped",
                      TextlabWarning, stacklevel=3)
        notes["rows_dropped_missing"] = int(missing.sum())
    kept = np.flatnonzero(~missing)
    prepared = prepared.iloc[kept].reset_index(drop=True)
    categorical = [v for v in variables if v not in dates and (v in bins or v == PERIOD or not
                   pd.api.types.is_numeric_dtype(prepared[v]) or pd.api.types.is_bool_dtype(prepared[v]))]
    continuous = [v for v in variables if v not in categorical]
    refs = _references(reference, [c for c in categorical if c not in bins and c != PERIOD])
    for column in categorical:
        if column in bins or column == PERIOD:
            continue
        prepared[column] = _as_categorical(prepared[column], column, refs.get(column))
    origin = float(min(pd.DatetimeIndex(prepared[c]).year.min() for c in dates)) if dates else 0.0
    derived = derive_columns(prepared, dates, when, bins, origin)
    rhs = _rewrite_splines(rhs, derived, notes)
    try:
        mm = model_matrix(rhs, derived, na_action="raise")
    except FormulaicError as exc:  # a name that is no column, a syntax error: one line, with the columns
        raise ConfigError(f"formula={formula!r} cannot be built ({str(exc).splitlines()[0]}): write it with the "
                          f"columns of rows {sorted(map(str, rows.columns))}") from None
    matrix = np.asarray(mm, dtype=float)
    columns = [str(c) for c in mm.columns]
    _check_rank(matrix, columns)
    notes["lhs"] = lhs
    design = Design(rows=prepared, matrix=matrix, columns=columns, spec=mm.model_spec, formula="~ " + rhs,
                    categorical=categorical, continuous=continuous, dates=dates, change_date=when, bins=bins,
                    origin=origin, notes=notes)
    return design, kept


def _check_rank(matrix: np.ndarray, columns: list[str]) -> None:
    n, p = matrix.shape
    if n <= p:
        raise EstimationError(f"estimate_effect: {n} rows for {p} model columns; the formula needs fewer terms "
                              "or more rows")
    scale = np.linalg.norm(matrix, axis=0)
    scale[scale == 0] = 1.0
    _, r = np.linalg.qr(matrix / scale)
    diag = np.abs(np.diag(r))
    bad = [columns[j] for j in np.flatnonzero(diag < 1e-8 * max(diag.max(), 1.0))]
    if bad:
        raise EstimationError(f"estimate_effect: the formula's columns {bad[:6]} are linear combinations of the "
                              "others (e.g. an interaction level with no rows, or a constant column): simplify the "
                              "formula or merge levels")
