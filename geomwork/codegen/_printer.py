"""Torch printer for kernel bodies: sympy's ``TorchPrinter`` with its gaps fixed.

The printer turns one scalar sympy expression into one Python expression over
tensors.  It differs from :class:`sympy.printing.pytorch.TorchPrinter` in these
points, each a bug or a slow path of the base printer in sympy 1.14:

* ``Pow`` prints with the ``**`` operator, never ``torch.pow``, because
  ``torch.pow`` raises on two Python scalars.  Integer powers up to
  :data:`MAX_PRODUCT_POWER` print as products and squares, square
  roots as ``torch.sqrt`` and inverse square roots as ``torch.rsqrt``.
* Sums of products print as ``torch.addcmul`` chains, one pass over memory per
  term instead of two in eager mode.
* A subtree without symbols (``sqrt(2)``, ``pi/3``) prints as one float or
  complex literal, because ``torch.sqrt(2)`` raises on a Python int.
* ``Max`` and ``Min`` print as ``torch.maximum`` / ``torch.clamp``, because
  ``torch.max(1, x)`` raises.
* Functions come from one mapping table, :data:`FUNCTION_TABLE`, which also
  records which torch functions take real arguments only.
* An expression the table does not cover raises
  :class:`UntranslatableExpressionError` in strict mode and prints as a call
  that raises at run time otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.codegen.cfunctions import Sqrt
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pytorch import TorchPrinter

# Powers x**n with 2 <= |n| <= this limit print as products and squares of x.
MAX_PRODUCT_POWER = 8


class UntranslatableExpressionError(ValueError):
    """A sympy expression that the kernel printer cannot translate to torch."""


@dataclass(frozen=True)
class TorchFunction:
    """One row of the function table: the torch callable and its domain.

    Attributes
    ----------
    name : str
        Dotted name of the torch callable, for example ``"torch.atan2"``.
    real_only : bool
        True when the torch function rejects complex tensors, so a kernel
        using it cannot take complex inputs.
    """

    name: str
    real_only: bool = False


def _row(name: str, real_only: bool = False) -> TorchFunction:
    return TorchFunction(name, real_only)


# The mapping table of the printer: sympy function class -> torch callable.
FUNCTION_TABLE: dict[type, TorchFunction] = {
    sympy.Abs: _row("torch.abs"),
    sympy.sign: _row("torch.sign", real_only=True),
    sympy.ceiling: _row("torch.ceil", real_only=True),
    sympy.floor: _row("torch.floor", real_only=True),
    sympy.exp: _row("torch.exp"),
    sympy.log: _row("torch.log"),
    Sqrt: _row("torch.sqrt"),
    sympy.sin: _row("torch.sin"),
    sympy.cos: _row("torch.cos"),
    sympy.tan: _row("torch.tan"),
    sympy.asin: _row("torch.asin"),
    sympy.acos: _row("torch.acos"),
    sympy.atan: _row("torch.atan"),
    sympy.atan2: _row("torch.atan2", real_only=True),
    sympy.sinh: _row("torch.sinh"),
    sympy.cosh: _row("torch.cosh"),
    sympy.tanh: _row("torch.tanh"),
    sympy.asinh: _row("torch.asinh"),
    sympy.acosh: _row("torch.acosh"),
    sympy.atanh: _row("torch.atanh"),
    sympy.re: _row("torch.real"),
    sympy.im: _row("torch.imag"),
    sympy.arg: _row("torch.angle"),
    sympy.conjugate: _row("torch.conj"),
    sympy.erf: _row("torch.erf", real_only=True),
    sympy.loggamma: _row("torch.lgamma", real_only=True),
    sympy.Max: _row("torch.maximum", real_only=True),
    sympy.Min: _row("torch.minimum", real_only=True),
    sympy.Heaviside: _row("torch.heaviside", real_only=True),
}

# Relational and boolean nodes appear inside Piecewise conditions.
RELATIONAL_TABLE: dict[type, str] = {
    sympy.Eq: "torch.eq",
    sympy.Ne: "torch.ne",
    sympy.StrictGreaterThan: "torch.gt",
    sympy.StrictLessThan: "torch.lt",
    sympy.GreaterThan: "torch.ge",
    sympy.LessThan: "torch.le",
    sympy.And: "torch.logical_and",
    sympy.Or: "torch.logical_or",
    sympy.Not: "torch.logical_not",
}


class KernelPrinter(TorchPrinter):
    """Print scalar sympy expressions as torch code for generated kernels.

    Parameters
    ----------
    names : dict of sympy.Symbol to str
        Python name of every symbol that may appear (inputs, parameters and
        common subexpressions).  A symbol missing here is an error.
    strict : bool
        If True, an untranslatable node raises
        :class:`UntranslatableExpressionError`.  If False it prints as a call to
        ``_untranslatable(...)``, which raises ``NotImplementedError`` when the
        kernel runs.
    functions : dict, optional
        Extra rows for the mapping table, from a sympy function class or its
        name to the dotted name of a torch callable
        (``{"besselj": "torch.special.bessel_j0"}``); the module of that name
        is imported by the generated file.

    Notes
    -----
    Use :meth:`print_expression` rather than ``doprint``; it records the torch
    functions used (:attr:`used_functions`) and the untranslatable nodes
    (:attr:`untranslatable`).
    """

    printmethod = "_geomwork_torchcode"

    def __init__(self, names, strict=True, functions=None):
        super().__init__({"fully_qualified_modules": True, "strict": False})
        self.names = dict(names)
        self.strict = strict
        self.table = dict(FUNCTION_TABLE)
        self.extra_modules: set[str] = set()
        for key, dotted in (functions or {}).items():
            self._add_function(key, dotted)
        self.used_functions: set[TorchFunction] = set()
        self.untranslatable: list[sympy.Basic] = []

    def _add_function(self, key, dotted: str) -> None:
        if not isinstance(dotted, str) or "." not in dotted:
            raise ValueError(
                f"functions[{key!r}] = {dotted!r} is not a dotted name; "
                f"give the import path of a torch callable, e.g. 'torch.special.i0'"
            )
        name = key if isinstance(key, str) else getattr(key, "__name__", str(key))
        self.table[name] = TorchFunction(dotted)
        self.extra_modules.add(dotted.rsplit(".", 1)[0])

    def _lookup(self, expr) -> TorchFunction | None:
        row = self.table.get(type(expr))
        if row is None:
            row = self.table.get(type(expr).__name__)
        return row

    def print_expression(self, expr) -> str:
        """Return the Python source of one scalar expression."""
        return self._print(expr)

    # Leaves ---------------------------------------------------------------

    def _print_Symbol(self, expr):
        try:
            return self.names[expr]
        except KeyError:
            raise UntranslatableExpressionError(
                f"symbol {expr} has no Python name in this kernel; declare it "
                f"as an input or a parameter"
            ) from None

    _print_Dummy = _print_Symbol

    def _print_number(self, expr) -> str:
        value = complex(expr.evalf(17))
        if value.imag == 0:
            return repr(value.real)
        if value.real == 0:
            return f"{value.imag!r}j"
        return f"complex({value.real!r}, {value.imag!r})"

    def _print_Integer(self, expr):
        # float64 cannot represent ints beyond 2**53 exactly anyway, and torch
        # raises OverflowError on ints that do not fit in 64 bits (torch 2.13).
        if abs(int(expr)) > 2**53:
            return self._print_number(expr)
        return str(int(expr))

    def _print_Float(self, expr):
        return self._print_number(expr)

    def _print_ImaginaryUnit(self, expr):
        return "1j"

    def _print(self, expr, **kwargs):
        # A number subtree such as sqrt(2) or pi/3 becomes one literal.
        if isinstance(expr, sympy.Expr) and expr.is_number and not expr.is_Integer:
            if expr.has(sympy.zoo, sympy.oo, sympy.nan):
                return self._print_not_supported(expr)
            return self._print_number(expr)
        return super()._print(expr, **kwargs)

    # Arithmetic ----------------------------------------------------------

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        base_code = self.parenthesize(base, PRECEDENCE["Pow"])
        if exponent == sympy.S.Half:
            return f"torch.sqrt({self._print(base)})"
        if exponent == -sympy.S.Half:
            return f"torch.rsqrt({self._print(base)})"
        if exponent.is_Integer and 2 <= abs(int(exponent)) <= MAX_PRODUCT_POWER:
            power = _power_by_squaring(base_code, abs(int(exponent)))
            return power if exponent > 0 else f"(1/{power})"
        if exponent == -1:
            return f"1/{base_code}"
        return f"{base_code}**{self.parenthesize(exponent, PRECEDENCE['Pow'])}"

    def _print_Add(self, expr, order=None):
        # c*a + c*b + ... prints as c*(a + b + ...), one multiplication instead of many.
        pairs = [term.as_coeff_Mul() for term in expr.args]
        coefficients = {coefficient for coefficient, _ in pairs}
        if len(coefficients) == 1 and len(pairs) > 1:
            (coefficient,) = coefficients
            if coefficient not in (1, -1):
                inner = sympy.Add(*[rest for _, rest in pairs])
                return f"{self._print_number(coefficient)}*({self._print(inner)})"
        return self._print_fused_sum(expr)

    def _print_fused_sum(self, expr):
        """Print a sum as a chain of torch.addcmul and torch.add calls.

        Each term ``c*f*g`` after the first becomes ``torch.addcmul(total, f, g,
        value=c)``: one pass over memory instead of a multiplication and an
        addition.  A number term is added last, because torch.addcmul needs a
        tensor as its first argument.
        """
        terms = list(self._as_ordered_terms(expr, order=None))
        numbers = [term for term in terms if term.is_number]
        # Plain terms (x, -y) start the chain, so that every product is fused.
        terms = sorted((term for term in terms if not term.is_number),
                       key=lambda term: len(_factors(_split_coefficient(term)[1])) > 1)
        code = self._print(terms[0])
        for term in terms[1:]:
            coefficient, rest = _split_coefficient(term)
            factors = _factors(rest)
            scale = "" if coefficient == 1 else f", value={self._print_number(coefficient)}"
            if len(factors) >= 2:
                first = self._print(factors[0])
                others = self._print(sympy.Mul(*factors[1:]))
                code = f"torch.addcmul({code}, {first}, {others}{scale})"
            elif coefficient == 1:
                code = f"{code} + {self.parenthesize(rest, PRECEDENCE['Add'])}"
            elif coefficient == -1:
                code = f"{code} - {self.parenthesize(rest, PRECEDENCE['Mul'])}"
            else:
                alpha = self._print_number(coefficient)
                code = f"torch.add({code}, {self._print(rest)}, alpha={alpha})"
        for number in numbers:
            literal = self._print_number(number)
            code = f"{code} - {literal[1:]}" if literal.startswith("-") else f"{code} + {literal}"
        return code

    def _print_Mul(self, expr):
        # All number factors (sqrt(2), 1/pi, -3) fold into one leading literal.
        numbers = [factor for factor in expr.args if factor.is_number]
        others = [factor for factor in expr.args if not factor.is_number]
        if not numbers or not others:
            return super()._print_Mul(expr)
        coefficient = sympy.Mul(*numbers)
        rest = sympy.Mul(*others)
        rest_code = (
            super()._print_Mul(rest)
            if isinstance(rest, sympy.Mul)
            else self.parenthesize(rest, PRECEDENCE["Mul"])
        )
        if coefficient == 1:
            return rest_code
        if coefficient == -1:
            return f"-{self.parenthesize(rest, PRECEDENCE['Mul'])}" if not isinstance(
                rest, sympy.Mul) else f"-({rest_code})"
        literal = self._print_number(coefficient)
        if literal.startswith("-") or "j" in literal:
            literal = f"({literal})"
        return f"{literal}*{rest_code}"

    # Functions -----------------------------------------------------------

    def _print_Function(self, expr):
        row = self._lookup(expr)
        if row is None:
            return self._print_not_supported(expr)
        self.used_functions.add(row)
        arguments = [self._print(argument) for argument in expr.args]
        if len(arguments) == 1:
            return f"{row.name}({arguments[0]})"
        return self._expand_fold_binary_op(row.name, arguments)

    _print_Expr = _print_Function
    _print_Application = _print_Function

    def _print_MinMax(self, expr, clamp_keyword: str):
        row = self._lookup(expr)
        self.used_functions.add(row)
        numbers = [a for a in expr.args if a.is_number]
        tensors = [self._print(a) for a in expr.args if not a.is_number]
        code = self._expand_fold_binary_op(row.name, tensors)
        if numbers:
            bound = (sympy.Max if clamp_keyword == "min" else sympy.Min)(*numbers)
            code = f"torch.clamp({code}, {clamp_keyword}={self._print_number(bound)})"
        return code

    def _print_Max(self, expr):
        return self._print_MinMax(expr, "min")

    def _print_Min(self, expr):
        return self._print_MinMax(expr, "max")

    def _print_Heaviside(self, expr):
        self.used_functions.add(FUNCTION_TABLE[sympy.Heaviside])
        argument = self._print(expr.args[0])
        at_zero = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"
        return (
            f"torch.where({argument} > 0, 1.0, "
            f"torch.where({argument} < 0, 0.0, {at_zero}))"
        )

    def _print_Relational(self, expr):
        name = RELATIONAL_TABLE.get(type(expr))
        if name is None:
            return self._print_not_supported(expr)
        self.used_functions.add(TorchFunction(name, real_only=True))
        lhs, rhs = (self._print(a) for a in expr.args)
        operator = {"torch.eq": "==", "torch.ne": "!=", "torch.gt": ">",
                    "torch.lt": "<", "torch.ge": ">=", "torch.le": "<="}[name]
        return f"({lhs} {operator} {rhs})"

    def _print_BooleanFunction(self, expr):
        name = RELATIONAL_TABLE.get(type(expr))
        if name is None:
            return self._print_not_supported(expr)
        arguments = [self._print(a) for a in expr.args]
        if len(arguments) == 1:
            return f"{name}({arguments[0]})"
        return self._expand_fold_binary_op(name, arguments)

    _print_And = _print_BooleanFunction
    _print_Or = _print_BooleanFunction
    _print_Not = _print_BooleanFunction

    def _print_Piecewise(self, expr):
        if expr.args[-1].cond is not sympy.true:
            return self._print_not_supported(expr)
        code = self._print(expr.args[-1].expr)
        for piece in reversed(expr.args[:-1]):
            code = f"torch.where({self._print(piece.cond)}, {self._print(piece.expr)}, {code})"
        return code

    # Everything else -----------------------------------------------------

    def _print_not_supported(self, expr):
        if self.strict:
            raise UntranslatableExpressionError(
                f"cannot translate {expr} (type {type(expr).__name__}) to torch; "
                f"rewrite it in elementary functions (e.g. expr.rewrite(sympy.exp)), "
                f"pass it as an input symbol, or add a table row with "
                f"functions={{'{type(expr).__name__}': 'torch.<module>.<callable>'}}"
            )
        self.untranslatable.append(expr)
        return f"_untranslatable({str(expr)!r}, {type(expr).__name__!r})"

    _print_Basic = _print_not_supported
    _print_Derivative = _print_not_supported
    _print_Integral = _print_not_supported
    _print_Infinity = _print_not_supported
    _print_NegativeInfinity = _print_not_supported
    _print_ComplexInfinity = _print_not_supported
    _print_NaN = _print_not_supported
    _print_Sum = _print_not_supported
    _print_Product = _print_not_supported
    _print_MatrixBase = _print_not_supported


def _split_coefficient(term) -> tuple:
    """Return ``(number, rest)`` with ``term == number * rest`` and no number in ``rest``."""
    if not isinstance(term, sympy.Mul):
        return sympy.S.One, term
    numbers = [factor for factor in term.args if factor.is_number]
    others = [factor for factor in term.args if not factor.is_number]
    return sympy.Mul(*numbers), sympy.Mul(*others)


def _factors(product) -> list:
    """Return the factors of a product; a square ``b**2`` of an atom counts as ``b, b``."""
    if isinstance(product, sympy.Mul):
        return list(product.args)
    if isinstance(product, sympy.Pow) and product.exp == 2 and product.base.is_Atom:
        return [product.base, product.base]
    return [product]


def _power_by_squaring(base_code: str, exponent: int) -> str:
    """Return code for ``base**exponent`` (exponent >= 1) with ``_square`` and products.

    ``_square(t)`` is ``t*t``, defined in every generated module.  It is not
    ``torch.square``, which runs aten::pow and took about four times as long as a
    multiplication on 4M float64 values on CPU (torch 2.13).
    """
    if exponent == 1:
        return base_code
    if exponent % 2 == 0:
        return f"_square({_power_by_squaring(base_code, exponent // 2)})"
    return f"({base_code}*{_power_by_squaring(base_code, exponent - 1)})"


def is_complex_valued(expr) -> bool:
    """Return True when ``expr`` contains the imaginary unit or a complex number."""
    if expr.has(sympy.I):
        return True
    return any(atom.is_number and not atom.is_extended_real for atom in expr.atoms(sympy.Number))
