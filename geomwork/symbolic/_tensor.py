"""Tensor fields in a chart's coordinate basis, with exact components."""

from __future__ import annotations

import itertools
from typing import Callable, Mapping

import sympy

from ._chart import Chart
from ._field import FieldElement

__all__ = ["Tensor"]


class Tensor:
    """A tensor field on a chart, stored as its non-zero components.

    Parameters
    ----------
    chart : Chart
    components : mapping or callable
        ``{(i, j, ...): value}`` with values that convert to exact scalars, or a
        function of the index tuple.  Missing entries are zero.
    positions : str
        One letter per index, ``"u"`` for contravariant (upper) and ``"d"`` for
        covariant (lower), in the order of the written formula: the Riemann
        tensor :math:`R^a{}_{bcd}` has ``positions="uddd"``.
    name : str
        Used in LaTeX and messages.
    symmetries : sequence of (i, j, sign)
        Index pairs under whose exchange the components change by ``sign``
        (+1 symmetric, -1 antisymmetric); used to list independent components.
    """

    def __init__(self, chart: Chart, components, positions: str, name: str = "T",
                 symmetries=()):
        if any(p not in "ud" for p in positions):
            raise ValueError(f"index positions must be 'u' or 'd' letters, got {positions!r}")
        self.chart = chart
        self.positions = positions
        self.name = name
        self.symmetries = tuple(symmetries)
        self._components: dict[tuple, FieldElement] = {}
        keys = itertools.product(range(chart.dim), repeat=self.rank)
        if callable(components):
            source = ((key, components(key)) for key in keys)
        else:
            source = self._from_mapping(components)
        for key, value in source:
            value = chart.scalar(value)
            if value:
                self._components[key] = value

    def _from_mapping(self, components: Mapping):
        for key, value in components.items():
            key = (key,) if isinstance(key, int) else tuple(key)
            if len(key) != self.rank or any(not 0 <= k < self.chart.dim for k in key):
                raise ValueError(
                    f"component index {key} does not fit tensor {self.name} of rank {self.rank} "
                    f"on chart {self.chart.name} of dimension {self.chart.dim}; indices run "
                    f"from 0 to {self.chart.dim - 1}"
                )
            yield key, value

    @classmethod
    def _from_elements(cls, chart, elements: dict, positions, name, symmetries=()):
        tensor = cls.__new__(cls)
        tensor.chart = chart
        tensor.positions = positions
        tensor.name = name
        tensor.symmetries = tuple(symmetries)
        tensor._components = {k: v for k, v in elements.items() if v}
        return tensor

    @property
    def rank(self) -> int:
        return len(self.positions)

    def component(self, *index) -> FieldElement:
        """Return the exact component at an index tuple (zero if absent)."""
        if len(index) == 1 and isinstance(index[0], tuple):
            index = index[0]
        return self._components.get(tuple(index), self.chart.field.zero)

    def __getitem__(self, index) -> sympy.Expr:
        if not isinstance(index, tuple):
            index = (index,)
        if len(index) != self.rank:
            raise IndexError(f"tensor {self.name} has rank {self.rank}, got index {index}")
        return self.component(index).expr

    def items(self):
        """(index tuple, exact component) pairs of the non-zero components."""
        return self._components.items()

    def nonzero(self, independent: bool = False, factor: bool = False) -> dict:
        """Non-zero components as ``{index tuple: sympy expression}``.

        With ``independent=True`` only one representative of each orbit under the
        tensor's index symmetries is kept (e.g. ``c < d`` for Riemann).
        """
        keys = sorted(self._components)
        if independent:
            keys = [k for k in keys if self._is_representative(k)]
        return {k: (self._components[k].factor() if factor else self._components[k].expr)
                for k in keys}

    def _is_representative(self, key) -> bool:
        for i, j, sign in self.symmetries:
            if key[i] > key[j]:
                return False
            if sign < 0 and key[i] == key[j]:
                return False
        return True

    @property
    def is_zero(self) -> bool:
        """True when every component is exactly zero."""
        return not self._components

    def to_array(self) -> sympy.ImmutableDenseNDimArray:
        """Return all components as a sympy array (index order as written)."""
        n = self.chart.dim
        if self.rank == 0:
            return sympy.ImmutableDenseNDimArray([self.component(()).expr])
        flat = [self.component(key).expr for key in itertools.product(range(n), repeat=self.rank)]
        return sympy.ImmutableDenseNDimArray(flat, (n,) * self.rank)

    def map(self, function: Callable[[FieldElement], FieldElement], name=None) -> "Tensor":
        return Tensor._from_elements(self.chart, {k: function(v) for k, v in self.items()},
                                     self.positions, name or self.name, self.symmetries)

    def __add__(self, other: "Tensor") -> "Tensor":
        self._check_compatible(other, "add")
        result = dict(self._components)
        for key, value in other.items():
            result[key] = result.get(key, self.chart.field.zero) + value
        return Tensor._from_elements(self.chart, result, self.positions, self.name)

    def __sub__(self, other: "Tensor") -> "Tensor":
        return self + other * -1

    def __mul__(self, scalar) -> "Tensor":
        scalar = self.chart.scalar(scalar)
        return self.map(lambda v: v * scalar)

    __rmul__ = __mul__

    def __eq__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return (self.chart is other.chart and self.positions == other.positions
                and (self - other).is_zero)

    __hash__ = None

    def _check_compatible(self, other, verb):
        if other.chart is not self.chart:
            raise ValueError(f"cannot {verb} tensors on different charts "
                             f"({self.chart.name} and {other.chart.name})")
        if other.positions != self.positions:
            raise ValueError(f"cannot {verb} tensor {self.name} ({self.positions}) and "
                             f"{other.name} ({other.positions}): index positions differ")

    def move_index(self, slot: int, matrix, position: str, name=None) -> "Tensor":
        """Contract index ``slot`` with a matrix of exact scalars (the metric or its inverse)."""
        if self.positions[slot] == position:
            raise ValueError(f"index {slot} of {self.name} is already "
                             f"{'upper' if position == 'u' else 'lower'}")
        n = self.chart.dim
        result: dict[tuple, FieldElement] = {}
        for key, value in self.items():
            old = key[slot]
            for new in range(n):
                factor = matrix[new][old]
                if not factor:
                    continue
                new_key = key[:slot] + (new,) + key[slot + 1:]
                term = factor * value
                result[new_key] = result[new_key] + term if new_key in result else term
        positions = self.positions[:slot] + position + self.positions[slot + 1:]
        return Tensor._from_elements(self.chart, result, positions, name or self.name)

    def __repr__(self):
        return (f"Tensor({self.name}, positions={self.positions!r}, "
                f"{len(self._components)} non-zero components on {self.chart.name})")

    def _latex_symbol(self, key) -> str:
        parts = []
        for position, index in zip(self.positions, key):
            coordinate = sympy.latex(self.chart.coordinates[index])
            parts.append(("^{" if position == "u" else "_{") + coordinate + "}")
        return "{" + self.name + "}" + "{}".join(parts)

    def _repr_latex_(self):
        rows = [f"{self._latex_symbol(k)} &= {sympy.latex(v)}"
                for k, v in self.nonzero(independent=True).items()]
        if not rows:
            return f"${self.name} = 0$"
        return "$\\begin{aligned}" + "\\\\ ".join(rows) + "\\end{aligned}$"
