"""The differential rational-function field behind geomwork's exact tensor calculus.

Every component of a metric, tensor or form is an element of one field ``K``:
rational functions with integer coefficients in a list of *generators*.  The
generators are the chart's coordinates and parameters, and one symbol for each
transcendental or algebraic quantity that appears:

=====================  ==========================  =====================================
expression             generator(s)                derivative :math:`\\partial_j`
=====================  ==========================  =====================================
coordinate ``x_i``     ``x_i``                     :math:`\\delta_{ij}`
parameter ``p``        ``p``                       0
``f(x, y)``, ``f_x``   one per partial derivative  the next partial derivative
``f(u)`` (``u`` any)   one per order ``f^{(k)}``   :math:`f^{(k+1)}(u)\\,\\partial_j u`
``exp(u)``             ``e``                       :math:`e\\,\\partial_j u`
``log(u)``             ``l``                       :math:`\\partial_j u / u`
``sin(u)``, ``cos(u)`` ``s``, ``c`` with c² = 1 − s²  :math:`\\pm c\\,\\partial_j u`, ...
``sqrt(R)``            ``w`` with w² = R            :math:`w\\,\\partial_j R / (2R)`
=====================  ==========================  =====================================

Algebraic generators (``c``, ``w``, the imaginary unit ``i`` with i² = −1) form a
tower of quadratic extensions.  An element is stored as ``numer / denom`` with
``numer`` of degree at most one in every algebraic generator and ``denom`` free of
them.  sympy's fraction field cancels the gcd.  That representation is canonical:
two elements are equal exactly when their numerators and denominators are, so zero
is recognised at once, with no call to ``simplify``.

Half-angle or other rewrites never happen behind the user's back: ``sin(theta)``
converts back to ``sin(theta)``.
"""

from __future__ import annotations

import cmath
import logging
from dataclasses import dataclass, field as dataclass_field
from fractions import Fraction
from typing import Callable

import sympy
from sympy.core.function import AppliedUndef
from sympy.polys.domains import ZZ
from sympy.polys.fields import FracElement, FracField

logger = logging.getLogger("geomwork.symbolic.field")

__all__ = ["DifferentialField", "FieldElement", "UnsupportedExpressionError"]


class UnsupportedExpressionError(ValueError):
    """An expression has no exact representation in the differential field."""


@dataclass
class _Generator:
    """One generator of the field: its symbol, its meaning and its derivatives.

    ``kind`` is one of ``coordinate``, ``parameter``, ``function``, ``exp``, ``log``,
    ``sin``, ``cos``, ``sqrt``.  ``expr`` is the sympy expression the generator
    stands for.  ``derivative`` maps a coordinate index to the derivative of the
    generator, built lazily.  ``radicand`` is set for algebraic generators (w² =
    radicand, a polynomial in lower generators); ``level`` orders the tower.
    """

    symbol: sympy.Symbol
    kind: str
    expr: sympy.Expr
    derivative: Callable[[int], "FieldElement"] | None = None
    radicand: object = None
    level: int = 0
    reference_value: complex | None = None
    inner: object = None
    cache: dict = dataclass_field(default_factory=dict)


_TRIG_QUOTIENTS = {
    sympy.tan: lambda u: sympy.sin(u) / sympy.cos(u),
    sympy.cot: lambda u: sympy.cos(u) / sympy.sin(u),
    sympy.sec: lambda u: 1 / sympy.cos(u),
    sympy.csc: lambda u: 1 / sympy.sin(u),
}


class DifferentialField:
    """The field of exact scalars on a chart, with one derivation per coordinate.

    Parameters
    ----------
    coordinates : sequence of sympy.Symbol
        The chart's coordinates, in order; ``diff(element, j)`` differentiates with
        respect to ``coordinates[j]``.
    reference_point : dict, optional
        Numeric values of coordinates and parameters at a point where square roots
        are taken positive (see :meth:`sqrt`).  Missing symbols get distinct values
        in (0.3, 0.8).

    Notes
    -----
    New generators are added when an expression needs them; elements built before
    are lifted to the larger field on their next operation.
    """

    def __init__(self, coordinates, reference_point=None):
        self.coordinates = tuple(coordinates)
        self._reference = dict(reference_point or {})
        self._generators: list[_Generator] = []
        self._by_symbol: dict[sympy.Symbol, _Generator] = {}
        self._by_key: dict[object, _Generator] = {}
        self._expr_cache: dict[sympy.Expr, FieldElement] = {}
        self._frac_field: FracField | None = None
        self._next_level = 1
        for coordinate in self.coordinates:
            self._add_generator(coordinate, "coordinate", coordinate, key=("symbol", coordinate))
        self._rebuild()

    # ------------------------------------------------------------------ generators

    @property
    def frac_field(self) -> FracField:
        """The sympy fraction field of the current generators."""
        return self._frac_field

    @property
    def generators(self) -> tuple[sympy.Symbol, ...]:
        return tuple(g.symbol for g in self._generators)

    @property
    def algebraic_generators(self) -> tuple[sympy.Symbol, ...]:
        """Algebraic generators ordered from the top of the tower down."""
        algebraic = [g for g in self._generators if g.radicand is not None]
        algebraic.sort(key=lambda g: -g.level)
        return tuple(g.symbol for g in algebraic)

    def _add_generator(self, symbol, kind, expr, key, **fields) -> _Generator:
        generator = _Generator(symbol=symbol, kind=kind, expr=expr, **fields)
        self._generators.append(generator)
        self._by_symbol[symbol] = generator
        self._by_key[key] = generator
        return generator

    def _rebuild(self) -> None:
        self._frac_field = FracField(tuple(g.symbol for g in self._generators), ZZ)
        self._algebraic = [g for g in self._generators if g.radicand is not None]
        self._algebraic.sort(key=lambda g: -g.level)
        self._algebraic_index = [self._generators.index(g) for g in self._algebraic]
        logger.debug("field rebuilt with %d generators", len(self._generators))

    def _lift(self, frac: FracElement) -> FracElement:
        if frac.field is self._frac_field:
            return frac
        return frac.set_field(self._frac_field)

    def _generator_element(self, generator: _Generator) -> "FieldElement":
        index = self._generators.index(generator)
        return FieldElement(self, self._frac_field.gens[index])

    def parameter(self, symbol: sympy.Symbol) -> "FieldElement":
        """Return the element of a symbol: a coordinate, or a parameter added on first use."""
        key = ("symbol", symbol)
        generator = self._by_key.get(key)
        if generator is None:
            generator = self._add_generator(symbol, "parameter", symbol, key=key)
            self._rebuild()
        return self._generator_element(generator)

    # ------------------------------------------------------------------ constants

    @property
    def zero(self) -> "FieldElement":
        return FieldElement(self, self._frac_field.zero)

    @property
    def one(self) -> "FieldElement":
        return FieldElement(self, self._frac_field.one)

    def constant(self, value) -> "FieldElement":
        """Return an exact rational constant (int, Fraction or sympy Rational)."""
        if isinstance(value, Fraction):
            return FieldElement(self, self._frac_field(value.numerator) / value.denominator)
        value = sympy.Rational(value)
        return FieldElement(self, self._frac_field(value.p) / value.q)

    def coerce(self, value) -> "FieldElement":
        """Turn an int, Fraction, sympy expression or element into an element of this field."""
        if isinstance(value, FieldElement):
            if value.field is not self:
                raise ValueError(
                    "cannot combine scalars of two different charts' fields; "
                    "pull one back to the other's chart first"
                )
            return value
        if isinstance(value, (int, Fraction)):
            return self.constant(value)
        return self.from_expr(sympy.sympify(value))

    # ------------------------------------------------------------------ reduction

    def _reduce_poly(self, poly, generator_index, radicand):
        """Replace w**k by radicand**(k//2) * w**(k % 2) in a polynomial."""
        if poly.degree(generator_index) < 2:
            return poly
        ring = poly.ring
        groups: dict[int, dict] = {}
        for monom, coeff in poly.iterterms():
            exponent = monom[generator_index]
            half, rest = divmod(exponent, 2)
            new_monom = monom[:generator_index] + (rest,) + monom[generator_index + 1:]
            terms = groups.setdefault(half, {})
            terms[new_monom] = terms.get(new_monom, 0) + coeff
        result = ring.zero
        for half, terms in groups.items():
            part = ring.from_dict(terms)
            if half:
                part = part * radicand ** half
            result += part
        return result

    def _normalise(self, frac: FracElement) -> FracElement:
        """Bring a fraction to canonical form modulo the algebraic relations.

        Generators are processed from the top of the tower down: reduce powers
        w**2 -> radicand, then multiply numerator and denominator by the conjugate
        of the denominator, which leaves only lower generators in it.
        """
        if not self._algebraic:
            return frac
        numer, denom = frac.numer, frac.denom
        changed = False
        for generator, index in zip(self._algebraic, self._algebraic_index):
            if numer.degree(index) < 2 and denom.degree(index) < 1:
                continue
            changed = True
            radicand = generator.radicand
            if radicand.ring is not numer.ring:
                radicand = generator.radicand = radicand.set_ring(numer.ring)
            denom = self._reduce_poly(denom, index, radicand)
            if denom.degree(index) > 0:
                even, odd = _split_linear(denom, index)
                numer = numer * (even - odd)
                denom = even ** 2 - radicand * _drop_generator(odd, index) ** 2
            numer = self._reduce_poly(numer, index, radicand)
        if not changed:
            return frac
        return self._frac_field.new(numer, denom)

    # ------------------------------------------------------------------ derivatives

    def diff(self, element: "FieldElement", j: int) -> "FieldElement":
        """Differentiate an element by :math:`\\partial_j` (chain rule through the generators)."""
        frac = self._lift(element.frac)
        cached = element._derivatives.get(j)
        if cached is not None:
            return cached
        numer_d = self._diff_poly(frac.numer, j)
        if frac.denom.is_ground:
            result = FieldElement(self, numer_d.frac / self._frac_field(frac.denom))
        else:
            denom = self._frac_field(frac.denom)
            numer = self._frac_field(frac.numer)
            denom_d = self._diff_poly(frac.denom, j)
            quotient = (numer_d * FieldElement(self, denom) - FieldElement(self, numer) * denom_d)
            result = quotient / FieldElement(self, denom ** 2)
        element._derivatives[j] = result
        return result

    def _diff_poly(self, poly, j: int) -> "FieldElement":
        total = self.zero
        ring = self._frac_field.ring
        poly = poly.set_ring(ring) if poly.ring is not ring else poly
        for index, generator in enumerate(list(self._generators)):
            if poly.degree(index) <= 0:
                continue
            inner = self._generator_derivative(generator, j)
            if inner.is_zero:
                continue
            partial = poly.diff(ring.gens[index])
            total = total + FieldElement(self, self._frac_field(partial.set_ring(self._frac_field.ring))) * inner
        return total

    def _generator_derivative(self, generator: _Generator, j: int) -> "FieldElement":
        cached = generator.cache.get(j)
        if cached is not None:
            return cached
        if generator.kind == "coordinate":
            value = self.one if generator.symbol == self.coordinates[j] else self.zero
        elif generator.kind == "parameter":
            value = self.zero
        else:
            value = generator.derivative(j)
        generator.cache[j] = value
        return value

    # ------------------------------------------------------------------ conversion

    def from_expr(self, expr) -> "FieldElement":
        """Convert a sympy expression to an element, adding generators as needed.

        Raises
        ------
        UnsupportedExpressionError
            For functions with no exact representation here (``Abs``, ``floor``,
            roots other than square roots, ...).
        """
        expr = sympy.sympify(expr)
        cached = self._expr_cache.get(expr)
        if cached is not None:
            return cached
        result = self._convert(expr)
        self._expr_cache[expr] = result
        return result

    def _convert(self, expr) -> "FieldElement":
        if expr.is_Rational:
            return self.constant(expr)
        if expr.is_Float:
            return self.constant(sympy.Rational(str(expr)))
        if expr is sympy.I:
            return self.sqrt(self.constant(-1))
        if expr.is_Symbol:
            return self.parameter(expr)
        if expr.is_NumberSymbol:
            return self._transcendental_constant(expr)
        if expr.is_Add:
            return sum((self.from_expr(term) for term in expr.args), self.zero)
        if expr.is_Mul:
            product = self.one
            for factor in expr.args:
                product = product * self.from_expr(factor)
            return product

        for types, method in self._CONVERTERS:
            if isinstance(expr, types):
                return method(self, expr)
        raise UnsupportedExpressionError(
            f"cannot represent {expr} (a {type(expr).__name__}) exactly in the differential "
            "field of geomwork; supported are rational functions of symbols, exp, log, sin, "
            "cos, tan, hyperbolic functions, square roots and undefined functions. Rewrite "
            "the expression with these, or introduce a symbol for it"
        )

    def _transcendental_constant(self, expr) -> "FieldElement":
        key = ("constant", expr)
        generator = self._by_key.get(key)
        if generator is None:
            symbol = sympy.Dummy(str(expr))
            generator = self._add_generator(symbol, "parameter", expr, key=key)
            self._rebuild()
        return self._generator_element(generator)

    def _convert_power(self, expr) -> "FieldElement":
        base, exponent = expr.args
        if base is sympy.E:
            return self._convert_exp(exponent)
        if exponent.is_Integer:
            return self.from_expr(base) ** int(exponent)
        if exponent.is_Rational and exponent.q == 2:
            root = self.sqrt(self.from_expr(base), principal_of=base)
            return root ** int(exponent.p)
        raise UnsupportedExpressionError(
            f"cannot represent the power {expr} exactly: only integer and half-integer "
            "exponents are supported; introduce a symbol or function for this power"
        )

    def _convert_exp(self, argument) -> "FieldElement":
        argument = sympy.expand(argument)
        if argument.is_Add:
            product = self.one
            for term in argument.args:
                product = product * self._convert_exp(term)
            return product
        coefficient, atom = argument.as_coeff_Mul()
        if atom == 1:
            return self._transcendental_constant(sympy.exp(coefficient))
        if coefficient.is_Rational:
            # exp(p/q * u) = exp(u/q)**p, so exp(u/2) * exp(-u/2) is exactly 1
            return self._exp_generator(atom / coefficient.q) ** int(coefficient.p)
        return self._exp_generator(argument)

    def _exp_generator(self, atom) -> "FieldElement":
        key = ("exp", atom)
        generator = self._by_key.get(key)
        if generator is None:
            inner = self.from_expr(atom)
            symbol = sympy.Dummy(f"exp({atom})")

            def derivative(j, symbol=symbol, inner=inner):
                return self._element_of(symbol) * inner.diff(j)

            generator = self._add_generator(symbol, "exp", sympy.exp(atom), key=key,
                                            derivative=derivative, inner=inner)
            self._rebuild()
        return self._generator_element(generator)

    def _convert_log(self, argument) -> "FieldElement":
        key = ("log", argument)
        generator = self._by_key.get(key)
        if generator is None:
            inner = self.from_expr(argument)
            symbol = sympy.Dummy(f"log({argument})")

            def derivative(j, inner=inner):
                return inner.diff(j) / inner

            generator = self._add_generator(symbol, "log", sympy.log(argument), key=key,
                                            derivative=derivative, inner=inner)
            self._rebuild()
        return self._generator_element(generator)

    def _convert_trig(self, expr) -> "FieldElement":
        argument = sympy.expand(expr.args[0])
        coefficient, atom = argument.as_coeff_Mul()
        if argument.is_Add or (coefficient.is_Integer and abs(coefficient) > 1):
            expanded = sympy.expand_trig(expr)
            if expanded != expr:
                return self.from_expr(expanded)
        if coefficient.is_Integer and coefficient == -1:
            sign = -1 if isinstance(expr, sympy.sin) else 1
            return self._convert_trig(type(expr)(atom)) * sign
        sine, cosine = self._trig_generators(argument)
        return sine if isinstance(expr, sympy.sin) else cosine

    def _trig_generators(self, argument):
        key = ("sin", argument)
        sine = self._by_key.get(key)
        if sine is None:
            inner = self.from_expr(argument)
            sine_symbol = sympy.Dummy(f"sin({argument})")
            cosine_symbol = sympy.Dummy(f"cos({argument})")

            def sine_derivative(j, inner=inner):
                return self._element_of(cosine_symbol) * inner.diff(j)

            def cosine_derivative(j, inner=inner):
                return -self._element_of(sine_symbol) * inner.diff(j)

            sine = self._add_generator(sine_symbol, "sin", sympy.sin(argument), key=key,
                                       derivative=sine_derivative, inner=inner)
            self._rebuild()
            sine_poly = self._frac_field.ring.gens[self._generators.index(sine)]
            cosine = self._add_generator(cosine_symbol, "cos", sympy.cos(argument),
                                         key=("cos", argument), derivative=cosine_derivative,
                                         radicand=1 - sine_poly ** 2, level=self._next_level,
                                         inner=inner)
            self._next_level += 1
            self._rebuild()
        cosine = self._by_key[("cos", argument)]
        return self._generator_element(sine), self._generator_element(cosine)

    def _element_of(self, symbol) -> "FieldElement":
        return self._generator_element(self._by_symbol[symbol])

    def _convert_function(self, applied, orders) -> "FieldElement":
        function = applied.func
        arguments = applied.args
        if all(a in self.coordinates for a in arguments) and len(set(arguments)) == len(arguments):
            orders = tuple(orders) or (0,) * len(arguments)
            return self._partial_generator(function, arguments, orders)
        if len(arguments) == 1:
            order = orders[0] if orders else 0
            return self._composite_generator(function, arguments[0], order)
        raise UnsupportedExpressionError(
            f"cannot represent {applied}: an undefined function must take distinct chart "
            f"coordinates {self.coordinates} as arguments, or a single expression"
        )

    def _partial_generator(self, function, arguments, orders) -> "FieldElement":
        key = ("function", function, arguments, orders)
        generator = self._by_key.get(key)
        if generator is None:
            applied = function(*arguments)
            variables = []
            for argument, order in zip(arguments, orders):
                variables.extend([argument] * order)
            expr = sympy.Derivative(applied, *variables) if variables else applied
            name = str(function) + ("_" + "".join(str(v) for v in variables) if variables else "")
            symbol = sympy.Dummy(name)

            def derivative(j):
                coordinate = self.coordinates[j]
                if coordinate not in arguments:
                    return self.zero
                position = arguments.index(coordinate)
                higher = list(orders)
                higher[position] += 1
                return self._partial_generator(function, arguments, tuple(higher))

            generator = self._add_generator(symbol, "function", expr, key=key, derivative=derivative)
            self._rebuild()
        return self._generator_element(generator)

    def _composite_generator(self, function, argument, order) -> "FieldElement":
        key = ("function", function, argument, order)
        generator = self._by_key.get(key)
        if generator is None:
            dummy = sympy.Dummy("u")
            expr = function(argument) if order == 0 else sympy.Subs(
                sympy.Derivative(function(dummy), (dummy, order)), dummy, argument)
            symbol = sympy.Dummy(f"{function}{chr(39) * order}({argument})")
            inner = self.from_expr(argument)

            def derivative(j):
                return self._composite_generator(function, argument, order + 1) * inner.diff(j)

            generator = self._add_generator(symbol, "function", expr, key=key, derivative=derivative)
            self._rebuild()
        return self._generator_element(generator)

    def _convert_derivative(self, expr) -> "FieldElement":
        applied = expr.expr
        if not isinstance(applied, AppliedUndef):
            return self._differentiate_expr(expr)
        arguments = applied.args
        if not all(a in self.coordinates for a in arguments):
            return self._differentiate_expr(expr)
        orders = [0] * len(arguments)
        for variable, count in expr.variable_count:
            if variable not in arguments:
                return self.zero
            orders[arguments.index(variable)] += int(count)
        return self._convert_function(applied, tuple(orders))

    def _differentiate_expr(self, expr) -> "FieldElement":
        element = self.from_expr(expr.expr)
        for variable, count in expr.variable_count:
            if variable not in self.coordinates:
                raise UnsupportedExpressionError(
                    f"cannot differentiate with respect to {variable} in {expr}: only the chart "
                    f"coordinates {self.coordinates} are derivations of this field"
                )
            for _ in range(int(count)):
                element = element.diff(self.coordinates.index(variable))
        return element

    # ------------------------------------------------------------------ square roots

    def sqrt(self, element: "FieldElement", principal_of=None) -> "FieldElement":
        """Take an exact square root, positive at the field's reference point.

        Square factors of the numerator and denominator are taken out exactly;
        what remains becomes an algebraic generator ``w`` with ``w**2`` equal to it.
        Of the two roots, the one whose value at the reference point agrees with
        the principal branch of ``sqrt`` is returned.
        """
        element = self.coerce(element)
        if element.is_zero:
            return self.zero
        frac = self._lift(element.frac)
        ring = self._frac_field.ring
        radicand = frac.numer * frac.denom
        outside, inside = _split_square(radicand, ring)
        result = FieldElement(self, self._frac_field(outside) / self._frac_field(frac.denom))
        if inside != ring.one:
            result = result * self._sqrt_generator(inside)
        wanted = cmath.sqrt(element.evaluate())
        got = result.evaluate()
        if abs(got - wanted) > abs(got + wanted):
            result = -result
        return result

    def _sqrt_generator(self, radicand_poly) -> "FieldElement":
        key = ("sqrt", radicand_poly.as_expr())
        generator = self._by_key.get(key)
        if generator is None:
            expr = self._poly_to_expr(radicand_poly)
            symbol = sympy.Dummy(f"sqrt({expr})")
            radicand_element = FieldElement(self, self._frac_field(radicand_poly))
            level = self._next_level
            self._next_level += 1

            def derivative(j):
                return (self._element_of(symbol) * radicand_element.diff(j)
                        / (2 * radicand_element))

            generator = self._add_generator(symbol, "sqrt", sympy.sqrt(expr), key=key,
                                            derivative=derivative, radicand=radicand_poly,
                                            level=level)
            self._rebuild()
        return self._generator_element(generator)

    def conjugate(self, element: "FieldElement") -> "FieldElement":
        """Complex-conjugate an element.

        The imaginary unit changes sign and :math:`\\overline{e^{u}} = e^{\\bar u}`.
        Every other generator is taken as real: coordinates, parameters,
        undefined functions, sin, cos, log, and square roots of radicands
        positive at the reference point.
        """
        unit = self._by_key.get(("sqrt", sympy.Integer(-1)))
        frac = self._lift(element.frac)
        if unit is None:
            return FieldElement(self, frac)
        unit_index = self._generators.index(unit)
        complex_exponentials = [
            g for g in self._generators
            if g.kind == "exp" and self._lift(g.inner.frac).numer.degree(unit_index) > 0]
        used = [g for g in complex_exponentials
                if frac.numer.degree(self._generators.index(g)) > 0
                or frac.denom.degree(self._generators.index(g)) > 0]
        if not used:
            numer = frac.numer.ring.from_dict({
                monom: (-coeff if monom[unit_index] % 2 else coeff)
                for monom, coeff in frac.numer.iterterms()})
            return FieldElement(self, self._frac_field.raw_new(numer, frac.denom))
        substitution = {unit.symbol: -sympy.I}
        for generator in used:
            substitution[generator.symbol] = sympy.exp(self.conjugate(generator.inner).expr)
        numer = frac.numer.as_expr().xreplace(substitution).xreplace(self._substitution())
        denom = frac.denom.as_expr().xreplace(substitution).xreplace(self._substitution())
        return self.from_expr(numer) / self.from_expr(denom)

    # ------------------------------------------------------------------ output

    def _substitution(self) -> dict:
        return {g.symbol: g.expr for g in self._generators if g.symbol is not g.expr}

    def _poly_to_expr(self, poly) -> sympy.Expr:
        return poly.as_expr().xreplace(self._substitution())

    def to_expr(self, element: "FieldElement", factor: bool = False) -> sympy.Expr:
        """Convert an element to a sympy expression, ``numerator / denominator``.

        With ``factor=True`` numerator and denominator are factored, which is the
        most readable form and costs a polynomial factorisation.
        """
        frac = self._lift(element.frac)
        if factor:
            numer = sympy.factor(frac.numer.as_expr())
            denom = sympy.factor(frac.denom.as_expr())
        else:
            numer = frac.numer.as_expr()
            denom = frac.denom.as_expr()
        substitution = self._substitution()
        numer, denom = numer.xreplace(substitution), denom.xreplace(substitution)
        if factor:
            numer, denom = _shorter_trig(numer), _shorter_trig(denom)
        return numer / denom

    def reference_values(self) -> dict:
        """Return the numeric values of every generator at the reference point.

        Coordinates and parameters take the values given to the constructor, or
        distinct defaults in (0.3, 0.8).  Undefined functions and their derivatives
        take values near 1, so a scale factor a(t) counts as positive.
        """
        values = {}
        defaults = iter(_DEFAULT_REFERENCE_VALUES)
        for position, generator in enumerate(self._generators):
            if generator.reference_value is None:
                generator.reference_value = self._reference_value(generator, position, values,
                                                                  defaults)
            values[generator.symbol] = generator.reference_value
        return values

    def _reference_value(self, generator, position, values, defaults) -> complex:
        kind = generator.kind
        if kind in ("coordinate", "parameter") and generator.expr.is_Symbol:
            if generator.expr not in self._reference:
                used = {complex(v) for v in self._reference.values()}
                value = next(defaults)
                while complex(value) in used:
                    value = next(defaults)
                self._reference[generator.expr] = value
            return complex(self._reference[generator.expr])
        if kind == "parameter":
            return complex(sympy.N(generator.expr, 20))
        if kind == "function":
            return 0.9 + 0.07 * (position % 5)
        if kind == "sqrt":
            point = [values[s] for s in self.generators[:position]]
            radicand = generator.radicand
            return cmath.sqrt(_evaluate_poly(radicand, point + [0] * (radicand.ring.ngens - len(point))))
        inner = generator.inner.evaluate_with(values)
        return _REFERENCE_FUNCTIONS[kind](inner)


    _CONVERTERS = (
        (sympy.Pow, lambda self, e: self._convert_power(e)),
        (sympy.exp, lambda self, e: self._convert_exp(e.args[0])),
        ((sympy.sin, sympy.cos), lambda self, e: self._convert_trig(e)),
        ((sympy.tan, sympy.cot, sympy.sec, sympy.csc),
         lambda self, e: self.from_expr(_TRIG_QUOTIENTS[type(e)](e.args[0]))),
        ((sympy.sinh, sympy.cosh, sympy.tanh, sympy.coth),
         lambda self, e: self.from_expr(e.rewrite(sympy.exp))),
        (sympy.log, lambda self, e: self._convert_log(e.args[0])),
        (AppliedUndef, lambda self, e: self._convert_function(e, ())),
        (sympy.Derivative, lambda self, e: self._convert_derivative(e)),
    )

_DEFAULT_REFERENCE_VALUES = (0.37, 0.53, 0.61, 0.71, 0.43, 0.59, 0.67, 0.47, 0.79, 0.31, 0.41,
                             0.73, 0.57, 0.39, 0.63, 0.51, 0.69, 0.33, 0.77, 0.45, 0.35, 0.55,
                             0.65, 0.75, 0.49, 0.58, 0.62, 0.38, 0.44, 0.52)

_REFERENCE_FUNCTIONS = {
    "exp": cmath.exp,
    "log": cmath.log,
    "sin": cmath.sin,
    "cos": cmath.cos,
}


def _canonical(field, numer, denom) -> FracElement:
    """Build a reduced fraction with sympy's sign convention (positive leading coefficient below)."""
    if denom.LC < 0:
        numer, denom = -numer, -denom
    return field.raw_new(numer, denom)


def _frac_add(field, x: FracElement, y: FracElement) -> FracElement:
    """Henrici's sum of two reduced fractions: only the gcd of the denominators is needed."""
    if not x:
        return y
    if not y:
        return x
    a, b, c, d = x.numer, x.denom, y.numer, y.denom
    if b == d:
        if b.is_one:
            return field.raw_new(a + c, b)
        return field.new(a + c, b)
    if b.is_one:
        return field.raw_new(a * d + c, d)
    if d.is_one:
        return field.raw_new(a + c * b, b)
    g = b.gcd(d)
    if g.is_one:
        return _canonical(field, a * d + c * b, b * d)
    b_rest, d_rest = b.exquo(g), d.exquo(g)
    numer = a * d_rest + c * b_rest
    if not numer:
        return field.zero
    h = numer.gcd(g)
    if h.is_one:
        return _canonical(field, numer, b_rest * d)
    return _canonical(field, numer.exquo(h), b_rest * d.exquo(h))


def _frac_mul(field, x: FracElement, y: FracElement) -> FracElement:
    """Henrici's product of two reduced fractions: cross gcds of numerators and denominators."""
    if not x or not y:
        return field.zero
    a, b, c, d = x.numer, x.denom, y.numer, y.denom
    if not d.is_one and not a.is_ground:
        g1 = a.gcd(d)
        if not g1.is_one:
            a, d = a.exquo(g1), d.exquo(g1)
    if not b.is_one and not c.is_ground:
        g2 = c.gcd(b)
        if not g2.is_one:
            c, b = c.exquo(g2), b.exquo(g2)
    if (b.is_one and d.is_one) or (a.is_ground and c.is_ground):
        return field.new(a * c, b * d)
    return _canonical(field, a * c, b * d)


def _shorter_trig(expr: sympy.Expr) -> sympy.Expr:
    """Rewrite each factor with sin(u)**2 -> 1 - cos(u)**2 where that makes it shorter.

    Canonical forms keep cos to degree one, so r**2 + a**2*cos(theta)**2 comes
    out as a**2*(1 - sin(theta)**2) + r**2; this undoes that for reading.
    """
    factors = expr.args if expr.is_Mul else (expr,)
    result = []
    for factor in factors:
        base, exponent = factor.as_base_exp() if factor.is_Pow else (factor, 1)
        sines = {s for s in base.atoms(sympy.sin)}
        for sine in sines:
            candidate = sympy.expand(base.subs(sine ** 2, 1 - sympy.cos(sine.args[0]) ** 2))
            if not candidate.has(sine) and sympy.count_ops(candidate) < sympy.count_ops(base):
                base = candidate
        result.append(base ** exponent)
    return sympy.Mul(*result)


def _split_linear(poly, index):
    """Split ``poly = even + odd`` where ``odd`` contains the terms of degree one in gens[index]."""
    even_terms, odd_terms = {}, {}
    for monom, coeff in poly.iterterms():
        (odd_terms if monom[index] else even_terms)[monom] = coeff
    return poly.ring.from_dict(even_terms), poly.ring.from_dict(odd_terms)


def _drop_generator(poly, index):
    """Divide a polynomial whose terms are all linear in gens[index] by that generator."""
    terms = {}
    for monom, coeff in poly.iterterms():
        terms[monom[:index] + (monom[index] - 1,) + monom[index + 1:]] = coeff
    return poly.ring.from_dict(terms)


def _split_square(poly, ring):
    """Write ``poly = outside**2 * inside`` with ``inside`` square-free, integer content included."""
    content, factors = poly.sqf_list()
    outside, inside = ring.one, ring.one
    for factor, multiplicity in factors:
        outside *= factor ** (multiplicity // 2)
        if multiplicity % 2:
            inside *= factor
    content = int(content)
    if content < 0:
        inside = -inside
    for prime, power in sympy.factorint(abs(content)).items():
        outside *= prime ** (power // 2)
        if power % 2:
            inside *= prime
    return outside, inside


class FieldElement:
    """An exact scalar: an element of a :class:`DifferentialField`.

    Supports ``+ - * /`` with other elements, ints and sympy expressions, integer
    powers, ``==`` (exact), :meth:`diff` and conversion back with :attr:`expr`.
    """

    __slots__ = ("field", "frac", "_derivatives")

    def __init__(self, field: DifferentialField, frac: FracElement):
        self.field = field
        self.frac = frac
        self._derivatives = {}

    # arithmetic -------------------------------------------------------------

    def _other(self, other):
        if isinstance(other, FieldElement):
            if other.field is not self.field:
                raise ValueError(
                    "cannot combine scalars of two different charts' fields; "
                    "pull one back to the other's chart first"
                )
            return other
        return self.field.coerce(other)

    def _pair(self, other):
        other = self._other(other)
        lift = self.field._lift
        return lift(self.frac), lift(other.frac)

    def __add__(self, other):
        if isinstance(other, int) and other == 0:
            return self
        a, b = self._pair(other)
        return FieldElement(self.field, _frac_add(a.field, a, b))

    __radd__ = __add__

    def __sub__(self, other):
        a, b = self._pair(other)
        return FieldElement(self.field, _frac_add(a.field, a, -b))

    def __rsub__(self, other):
        a, b = self._pair(other)
        return FieldElement(self.field, _frac_add(a.field, b, -a))

    def __neg__(self):
        return FieldElement(self.field, -self.field._lift(self.frac))

    def __mul__(self, other):
        if isinstance(other, int):
            if other == 1:
                return self
            return FieldElement(self.field, self.field._lift(self.frac) * other)
        a, b = self._pair(other)
        return FieldElement(self.field, self.field._normalise(_frac_mul(a.field, a, b)))

    __rmul__ = __mul__

    def __truediv__(self, other):
        a, b = self._pair(other)
        if not b:
            raise ZeroDivisionError(f"division of {self.expr} by an exact zero")
        return FieldElement(self.field, self.field._normalise(a / b))

    def __rtruediv__(self, other):
        a, b = self._pair(other)
        if not a:
            raise ZeroDivisionError(f"division of {other} by an exact zero")
        return FieldElement(self.field, self.field._normalise(b / a))

    def __pow__(self, exponent):
        if not isinstance(exponent, int):
            raise TypeError(f"only integer powers of field elements are exact, got {exponent!r}; "
                            "use DifferentialField.sqrt for square roots")
        frac = self.field._lift(self.frac)
        if exponent < 0:
            if not frac:
                raise ZeroDivisionError("negative power of an exact zero")
            frac = 1 / frac
            exponent = -exponent
        result = self.field._frac_field.one
        base = self.field._normalise(frac)
        while exponent:
            if exponent & 1:
                result = self.field._normalise(result * base)
            exponent >>= 1
            if exponent:
                base = self.field._normalise(base * base)
        return FieldElement(self.field, result)

    # comparison ---------------------------------------------------------------

    @property
    def is_zero(self) -> bool:
        return not self.frac

    def __bool__(self):
        return bool(self.frac)

    def __eq__(self, other):
        try:
            a, b = self._pair(other)
        except (ValueError, TypeError, UnsupportedExpressionError):
            return NotImplemented
        return a == b

    def __hash__(self):
        return hash(self.field._lift(self.frac))

    # calculus and output -------------------------------------------------------

    def conjugate(self) -> "FieldElement":
        """Return the complex conjugate (only the imaginary unit is not real)."""
        return self.field.conjugate(self)

    def diff(self, j: int) -> "FieldElement":
        """Partial derivative with respect to the j-th coordinate of the field."""
        return self.field.diff(self, j)

    @property
    def expr(self) -> sympy.Expr:
        """This element as a sympy expression (numerator over denominator)."""
        return self.field.to_expr(self)

    def factor(self) -> sympy.Expr:
        """This element as a sympy expression with factored numerator and denominator."""
        return self.field.to_expr(self, factor=True)

    def evaluate(self) -> complex:
        """Numeric value at the field's reference point (used to pick square-root branches)."""
        return self.evaluate_with(self.field.reference_values())

    def evaluate_with(self, values: dict) -> complex:
        """Numeric value with the given values of the generators."""
        frac = self.field._lift(self.frac)
        point = [values.get(s, 0) for s in self.field.generators]
        return complex(_evaluate_poly(frac.numer, point) / _evaluate_poly(frac.denom, point))

    def __repr__(self):
        return str(self.expr)

    def _repr_latex_(self):
        return f"$\\displaystyle {sympy.latex(self.expr)}$"


def _evaluate_poly(poly, point) -> complex:
    total = 0j
    for monom, coeff in poly.iterterms():
        term = complex(int(coeff))
        for value, exponent in zip(point, monom):
            if exponent:
                term *= value ** exponent
        total += term
    return total
