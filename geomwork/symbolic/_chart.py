"""Coordinate charts: the coordinates, their ranges and the exact scalars on them."""

from __future__ import annotations

import itertools
from typing import Iterable, Mapping

import sympy

from ._field import DifferentialField, FieldElement

__all__ = ["Chart"]

_chart_counter = itertools.count()


def _as_symbols(coordinates) -> tuple[sympy.Symbol, ...]:
    if isinstance(coordinates, str):
        names = coordinates.replace(",", " ").split()
        return tuple(sympy.Symbol(name, real=True) for name in names)
    symbols = []
    for coordinate in coordinates:
        if isinstance(coordinate, str):
            coordinate = sympy.Symbol(coordinate, real=True)
        if not isinstance(coordinate, sympy.Symbol):
            raise TypeError(f"a chart coordinate must be a sympy Symbol or a name, got {coordinate!r}")
        symbols.append(coordinate)
    return tuple(symbols)


class Chart:
    """A coordinate chart of an n-dimensional manifold.

    Parameters
    ----------
    coordinates : str or sequence of sympy.Symbol
        Coordinate names (``"t r theta phi"``) or symbols; names become real
        symbols.  Their order is the chart's orientation (``dx^1 ∧ ... ∧ dx^n``
        is positive).
    name : str, optional
        A label used in messages and LaTeX.
    ranges : mapping, optional
        ``{coordinate: (low, high)}``: the coordinate box the chart covers.  It
        gives default integration bounds and a reference point in its interior
        where square roots are taken positive.
    reference_point : mapping, optional
        Numeric values of coordinates or parameters at the reference point;
        overrides the midpoint of ``ranges``.

    Examples
    --------
    >>> chart = Chart("r theta", ranges={"theta": (0, sympy.pi)})
    >>> chart.dim
    2
    >>> chart.scalar(sympy.sin(chart.coordinates[1]) ** 2 + sympy.cos(chart.coordinates[1]) ** 2)
    1
    """

    def __init__(self, coordinates, *, name: str | None = None,
                 ranges: Mapping | None = None, reference_point: Mapping | None = None):
        self.coordinates = _as_symbols(coordinates)
        if not self.coordinates:
            raise ValueError("a chart needs at least one coordinate, got none")
        if len(set(self.coordinates)) != len(self.coordinates):
            raise ValueError(f"chart coordinates must be distinct, got {self.coordinates}")
        self.name = name or f"chart{next(_chart_counter)}"
        self.ranges = self._parse_ranges(ranges or {})
        reference = self._default_reference()
        for key, value in (reference_point or {}).items():
            reference[self._symbol(key)] = value
        self.field = DifferentialField(self.coordinates, reference_point=reference)

    def _symbol(self, key) -> sympy.Symbol:
        if isinstance(key, str):
            for coordinate in self.coordinates:
                if coordinate.name == key:
                    return coordinate
            return sympy.Symbol(key)
        return key

    def _parse_ranges(self, ranges: Mapping) -> dict:
        parsed = {}
        for key, bounds in ranges.items():
            symbol = self._symbol(key)
            if symbol not in self.coordinates:
                raise ValueError(f"range given for {key!r}, which is not a coordinate of chart "
                                 f"{self.coordinates}; name one of the coordinates")
            low, high = (sympy.sympify(b) for b in bounds)
            if (high - low).is_nonpositive:
                raise ValueError(f"range of {key} is empty: ({low}, {high}); give low < high")
            parsed[symbol] = (low, high)
        return parsed

    def _default_reference(self) -> dict:
        reference = {}
        for symbol, (low, high) in self.ranges.items():
            if low.is_finite and high.is_finite:
                # an off-centre interior point, so that no symmetric cancellation hides a sign
                reference[symbol] = float(low + (high - low) * sympy.Rational(3, 7))
        return reference

    @property
    def dim(self) -> int:
        """The number of coordinates."""
        return len(self.coordinates)

    def index(self, coordinate) -> int:
        """Position of a coordinate (symbol or name) in the chart."""
        symbol = self._symbol(coordinate)
        if symbol not in self.coordinates:
            raise ValueError(f"{coordinate!r} is not a coordinate of chart {self.name} "
                             f"{self.coordinates}")
        return self.coordinates.index(symbol)

    def scalar(self, value) -> FieldElement:
        """An exact scalar function on the chart, from a sympy expression or number."""
        return self.field.coerce(value)

    def scalars(self, values: Iterable) -> list[FieldElement]:
        return [self.scalar(v) for v in values]

    def __repr__(self):
        return f"Chart({self.name!r}, {', '.join(str(c) for c in self.coordinates)})"

    def _repr_latex_(self):
        coordinates = ", ".join(sympy.latex(c) for c in self.coordinates)
        return f"$\\left({coordinates}\\right)$"
