"""Kernel plans and kernels: sympy expressions to callable torch functions.

Building a kernel has two steps, as in opt_einsum's ``contract_expression``:
:func:`plan_kernel` checks the declaration, runs common-subexpression
elimination and emits (or loads from the disk cache) the module source;
:class:`Kernel` executes that source and checks every call's inputs.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import sympy
import torch

from .. import __version__
from ._cache import KernelCache, load_module
from ._emit import InputSpec, ParameterSpec, emit_module, shape_text
from ._printer import MAX_PRODUCT_POWER

logger = logging.getLogger("geomwork.codegen.kernel")

# Bump when the emitted source changes for the same expressions.
FORMAT_VERSION = 4
RESERVED_NAMES = {"torch", "dtype", "device", "shape", "complex"}


# Declarations ------------------------------------------------------------


def _int_shape(shape) -> tuple[int, ...]:
    return tuple(int(n) for n in shape)


def _flatten_expressions(expressions) -> tuple[list[sympy.Expr], tuple[int, ...]]:
    if isinstance(expressions, sympy.MatrixBase):
        return [sympy.sympify(e) for e in expressions], _int_shape(expressions.shape)
    if isinstance(expressions, sympy.NDimArray):
        flat = sympy.flatten(expressions.tolist()) if expressions.shape else [expressions[()]]
        return [sympy.sympify(e) for e in flat], _int_shape(expressions.shape)
    if isinstance(expressions, (list, tuple)):
        array = sympy.Array(expressions)
        return _flatten_expressions(array)
    expr = sympy.sympify(expressions)
    if not isinstance(expr, sympy.Expr):
        raise TypeError(
            f"kernel expression {expr!r} has type {type(expr).__name__}; give a sympy "
            f"expression, a list of them, a Matrix or an Array"
        )
    return [expr], ()


def _check_name(name: str, role: str) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{role} name {name!r} is not a valid Python identifier")
    if name.startswith("_") or name in RESERVED_NAMES:
        raise ValueError(
            f"{role} name {name!r} is reserved in generated kernels; names may not start "
            f"with '_' or be one of {sorted(RESERVED_NAMES)}"
        )


def _input_spec(name, declaration) -> InputSpec:
    _check_name(name, "input")
    if isinstance(declaration, sympy.Symbol):
        return InputSpec(name, (), (declaration,))
    if isinstance(declaration, (list, tuple)):
        declaration = sympy.Array(declaration)
    if not isinstance(declaration, (sympy.MatrixBase, sympy.NDimArray)):
        raise TypeError(
            f"input {name!r} is declared as {declaration!r}; declare a sympy Symbol or a "
            f"list, Matrix or Array of Symbols"
        )
    symbols = tuple(declaration) if isinstance(declaration, sympy.MatrixBase) else tuple(
        sympy.flatten(declaration.tolist())
    )
    for symbol in symbols:
        if not isinstance(symbol, sympy.Symbol):
            raise TypeError(f"input {name!r} contains {symbol!r}, which is not a sympy Symbol")
    return InputSpec(name, _int_shape(declaration.shape), symbols)


def _input_specs(inputs) -> list[InputSpec]:
    if isinstance(inputs, sympy.Symbol):
        inputs = [inputs]
    if isinstance(inputs, dict):
        specs = [_input_spec(name, value) for name, value in inputs.items()]
    else:
        specs = [_input_spec(str(symbol), symbol) for symbol in inputs]
    if not specs:
        raise ValueError("a kernel needs at least one tensor input; declare inputs={...}")
    return specs


def _parameter_specs(parameters, defaults) -> list[ParameterSpec]:
    if isinstance(parameters, sympy.Symbol):
        parameters = [parameters]
    if isinstance(parameters, dict):
        pairs = list(parameters.items())
    else:
        pairs = [(str(symbol), symbol) for symbol in parameters]
    defaults = dict(defaults or {})
    specs = []
    for name, symbol in pairs:
        _check_name(name, "parameter")
        if not isinstance(symbol, sympy.Symbol):
            raise TypeError(f"parameter {name!r} is {symbol!r}, which is not a sympy Symbol")
        default = defaults.pop(name, None)
        if default is not None and not isinstance(default, (int, float, complex)):
            raise TypeError(f"default of parameter {name!r} must be a number; got {default!r}")
        specs.append(ParameterSpec(name, symbol, default))
    if defaults:
        raise ValueError(f"defaults given for undeclared parameters: {sorted(defaults)}")
    return specs


def _check_declaration(expressions, inputs, parameters) -> None:
    names = [spec.name for spec in inputs] + [p.name for p in parameters]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"names used more than once among inputs and parameters: {duplicates}")

    declared = [s for spec in inputs for s in spec.symbols] + [p.symbol for p in parameters]
    repeated = sorted({str(s) for s in declared if declared.count(s) > 1})
    if repeated:
        raise ValueError(f"symbols declared more than once: {repeated}")

    free = set().union(*(expr.free_symbols for expr in expressions))
    unknown = sorted(free - set(declared), key=str)
    if unknown:
        raise ValueError(
            f"expression has undeclared symbols {', '.join(map(str, unknown))}; declare them "
            f"in inputs= or parameters=, or substitute values with expr.subs(...)"
        )


def _serialise(expr, atoms: dict) -> str:
    """Return a canonical text of ``expr`` without sympy's slow term ordering.

    ``Add`` and ``Mul`` store their arguments in sympy's canonical order when
    they are built, so walking ``args`` gives the same text in every process.
    """
    if expr.is_Atom:
        if expr not in atoms:
            atoms[expr] = sympy.srepr(expr)
        return atoms[expr]
    inner = ",".join(_serialise(argument, atoms) for argument in expr.args)
    return f"{type(expr).__name__}({inner})"


def _expression_hash(name, expressions, output_shape, inputs, parameters, strict, functions):
    atoms: dict = {}
    description = {
        "format": FORMAT_VERSION,
        "geomwork": __version__,
        "max_product_power": MAX_PRODUCT_POWER,
        "name": name,
        "expressions": [_serialise(expr, atoms) for expr in expressions],
        "output_shape": list(output_shape),
        "inputs": [[s.name, list(s.shape), [sympy.srepr(x) for x in s.symbols]] for s in inputs],
        "parameters": [[p.name, sympy.srepr(p.symbol), repr(p.default)] for p in parameters],
        "strict": strict,
        "functions": sorted((str(k), v) for k, v in (functions or {}).items()),
    }
    text = json.dumps(description, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Plan --------------------------------------------------------------------


@dataclass
class KernelPlan:
    """Plan of a kernel: its inputs, outputs and generated module, made before it runs.

    Attributes
    ----------
    name : str
        Name of the kernel function in the generated module.
    inputs : dict of str to tuple of int
        Component shape of each tensor input; input ``x`` with shape ``(4,)``
        takes tensors of shape ``(..., 4)``.
    parameters : dict of str to number or None
        Scalar parameters and their defaults.
    output_shape : tuple of int
        Trailing shape of the output; the kernel returns ``(..., *output_shape)``.
    common_subexpressions : int
        Number of common subexpressions found by :func:`sympy.cse`.
    complex_valued : bool
        True when the expressions contain the imaginary unit, so the kernel
        needs complex inputs.
    real_only_functions : tuple of str
        Torch functions in the source that reject complex tensors.
    expression_hash : str
        sha256 of the expressions and build options; names the cache file.
    source : str
        The generated module.
    path : Path or None
        The cache file, or None when the module lives in memory only.
    cache_hit : bool
        True when the source was read from the cache instead of generated.
    """

    name: str
    inputs: dict
    parameters: dict
    output_shape: tuple
    common_subexpressions: int
    complex_valued: bool
    real_only_functions: tuple
    expression_hash: str
    source: str
    path: Path | None
    cache_hit: bool

    def summary(self) -> str:
        """Return a few lines naming inputs, outputs and the size of the plan."""
        inputs = ", ".join(f"{n} {shape_text(s)}" for n, s in self.inputs.items())
        parameters = ", ".join(
            n if d is None else f"{n}={d!r}" for n, d in self.parameters.items()
        ) or "none"
        return "\n".join([
            f"kernel {self.name!r}",
            f"  inputs: {inputs}",
            f"  parameters: {parameters}",
            f"  output: {shape_text(self.output_shape)}",
            f"  common subexpressions: {self.common_subexpressions}",
            f"  complex-valued: {self.complex_valued}",
            f"  expression hash: {self.expression_hash}",
            f"  file: {self.path if self.path else '<memory>'}"
            + (" (cache hit)" if self.cache_hit else ""),
        ])

    def __str__(self) -> str:
        return self.summary() + "\n\n" + self.source


def _plan_from_source(name, source, expression_hash, path, cache_hit, inputs, parameters,
                      output_shape) -> KernelPlan:
    import ast

    constants = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.isupper():
                constants[target.id] = ast.literal_eval(node.value)
    return KernelPlan(
        name=name,
        inputs={spec.name: spec.shape for spec in inputs},
        parameters={p.name: p.default for p in parameters},
        output_shape=tuple(output_shape),
        common_subexpressions=constants["COMMON_SUBEXPRESSIONS"],
        complex_valued=constants["COMPLEX_VALUED"],
        real_only_functions=tuple(constants["REAL_ONLY_FUNCTIONS"]),
        expression_hash=expression_hash,
        source=source,
        path=path,
        cache_hit=cache_hit,
    )


def plan_kernel(
    expressions,
    inputs,
    parameters=(),
    *,
    defaults=None,
    name: str = "kernel",
    strict: bool = True,
    functions=None,
    cache_dir=None,
    use_cache: bool = True,
) -> KernelPlan:
    """Plan a kernel: check the declaration and produce its module source.

    Parameters
    ----------
    expressions : sympy.Expr, list, Matrix or Array
        What the kernel computes.  A list, Matrix or Array gives a stacked
        output of the same shape after the batch dimensions.
    inputs : dict or sequence
        Tensor inputs, as a mapping from input name to a Symbol or to a list,
        Matrix or Array of Symbols.  A Symbol is read from a tensor of shape
        ``(...)`` and an array of shape ``s`` from a tensor of shape
        ``(..., *s)``.  A plain sequence of Symbols declares one scalar input
        per symbol, named after it.
    parameters : dict or sequence, optional
        Scalar parameters, passed to the kernel as keyword arguments (Python
        numbers or 0-d tensors, which autograd differentiates through).
    defaults : dict, optional
        Default values of parameters, by name.
    name : str
        Name of the generated function and prefix of the cache file.
    strict : bool
        Raise :class:`UntranslatableExpressionError` on an expression the
        printer cannot translate (default).  With False the source calls a
        stub that raises ``NotImplementedError`` at run time.
    functions : dict, optional
        Extra rows for the printer's mapping table, e.g.
        ``{"besselj": "torch.special.bessel_j0"}``.
    cache_dir : str or Path, optional
        Cache directory; default :func:`default_cache_dir`.
    use_cache : bool
        Read and write the disk cache (default True).  With False the module
        is generated and kept in memory.

    Returns
    -------
    KernelPlan

    Raises
    ------
    ValueError
        On an undeclared symbol, a repeated name or an invalid name.
    UntranslatableExpressionError
        In strict mode, on an expression without a torch translation.
    """
    _check_name(name, "kernel")
    flat, output_shape = _flatten_expressions(expressions)
    input_specs = _input_specs(inputs)
    parameter_specs = _parameter_specs(parameters, defaults)
    _check_declaration(flat, input_specs, parameter_specs)
    expression_hash = _expression_hash(
        name, flat, output_shape, input_specs, parameter_specs, strict, functions
    )

    cache = KernelCache(cache_dir) if use_cache else None
    if cache is not None:
        source = cache.load(name, expression_hash)
        if source is not None:
            return _plan_from_source(name, source, expression_hash, cache.path_for(
                name, expression_hash), True, input_specs, parameter_specs, output_shape)

    emitted = emit_module(
        name=name,
        expressions=flat,
        output_shape=output_shape,
        inputs=input_specs,
        parameters=parameter_specs,
        expression_hash=expression_hash,
        version=__version__,
        strict=strict,
        functions=functions,
    )
    if emitted.untranslatable:
        logger.warning(
            "kernel %r contains untranslatable expressions %s; calling it raises "
            "NotImplementedError", name, ", ".join(emitted.untranslatable),
        )
    path = cache.store(name, expression_hash, emitted.source) if cache is not None else None
    return _plan_from_source(name, emitted.source, expression_hash, path, False, input_specs,
                             parameter_specs, output_shape)


# Kernel ------------------------------------------------------------------


def find_cxx_compiler() -> str | None:
    """Return the path of a C++ compiler for torch.compile on CPU, or None.

    Looks at ``$CXX`` first, then ``c++``, ``g++``, ``clang++`` and ``cl`` on
    ``PATH``.
    """
    candidates = [os.environ.get("CXX"), "c++", "g++", "clang++", "cl"]
    for candidate in candidates:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


class Kernel:
    """A torch function generated from sympy expressions.

    The kernel evaluates the expressions elementwise over leading batch
    dimensions: inputs of shapes ``(*b_1, *s_1)``, ``(*b_2, *s_2)``, ... with
    declared component shapes ``s_i`` give an output of shape
    ``(*broadcast(b_1, b_2, ...), *output_shape)``.  The output has the dtype
    and device of the inputs, and autograd differentiates through it.

    A stacked output is a view of a component-major buffer: each component is
    contiguous in memory, which lets torch.compile write every component in
    one pass and makes the components cheap to read in the next kernel.  Call
    ``.contiguous()`` for point-major memory.

    Parameters
    ----------
    expressions, inputs, parameters, defaults, name, strict, functions, cache_dir, use_cache
        As in :func:`plan_kernel`.
    compile : bool
        Wrap the generated function in :func:`torch.compile`.  Off, with a
        logged reason, when no C++ compiler is found or when compilation
        fails at a call (that call then runs eagerly).
    plan : KernelPlan, optional
        Build from an existing plan instead; then ``expressions`` etc. are
        ignored (use :meth:`from_plan`).

    Examples
    --------
    >>> import sympy, torch
    >>> x, y = sympy.symbols("x y", real=True)
    >>> k = Kernel(x**2 + sympy.sin(y), inputs={"p": [x, y]}, use_cache=False)
    >>> k(torch.tensor([[2.0, 0.0]], dtype=torch.float64))
    tensor([4.], dtype=torch.float64)
    """

    def __init__(self, expressions=None, inputs=None, parameters=(), *, defaults=None,
                 name="kernel", strict=True, functions=None, cache_dir=None, use_cache=True,
                 compile=False, plan: KernelPlan | None = None):
        if plan is None:
            if expressions is None or inputs is None:
                raise TypeError("Kernel needs expressions and inputs, or plan=")
            plan = plan_kernel(expressions, inputs, parameters, defaults=defaults, name=name,
                               strict=strict, functions=functions, cache_dir=cache_dir,
                               use_cache=use_cache)
        self.plan = plan
        filename = str(plan.path) if plan.path else f"<geomwork kernel {plan.name} " \
                                                    f"{plan.expression_hash[:12]}>"
        self.module = load_module(plan.source, filename, f"geomwork_kernel_{plan.name}_"
                                  f"{plan.expression_hash[:12]}")
        self.function = getattr(self.module, plan.name)
        self._call = self.function
        self.compiled = False
        if compile:
            self._enable_compile()

    @classmethod
    def from_plan(cls, plan: KernelPlan, compile: bool = False) -> "Kernel":
        """Build a kernel from a plan made by :func:`plan_kernel`."""
        return cls(plan=plan, compile=compile)

    @property
    def source(self) -> str:
        """The generated module source."""
        return self.plan.source

    @property
    def path(self) -> Path | None:
        """The cache file of the generated module, or None."""
        return self.plan.path

    def _enable_compile(self) -> None:
        compiler = find_cxx_compiler()
        if compiler is None:
            logger.warning(
                "torch.compile is off for kernel %r: no C++ compiler found (looked for $CXX, "
                "c++, g++, clang++, cl); the kernel runs eagerly", self.plan.name,
            )
            return
        self._call = torch.compile(self.function)
        self.compiled = True
        logger.debug("kernel %r compiled lazily with %s", self.plan.name, compiler)

    def __repr__(self) -> str:
        inputs = ", ".join(self.plan.inputs)
        return (f"Kernel({self.plan.name!r}, inputs=({inputs}), "
                f"output=(..., {', '.join(map(str, self.plan.output_shape))}), "
                f"compiled={self.compiled})")

    def __call__(self, *args, **kwargs):
        arguments = self._bind(args, kwargs)
        self._check_arguments(arguments)
        if self.compiled:
            try:
                return self._call(**arguments)
            except torch._dynamo.exc.BackendCompilerFailed as error:
                # torch.compile compiles lazily, so a compiler that exists but
                # cannot build (missing headers, for example) fails at a call.
                logger.warning(
                    "torch.compile failed for kernel %r (%s); the kernel runs eagerly from "
                    "now on", self.plan.name, error,
                )
                self._call = self.function
                self.compiled = False
        return self._call(**arguments)

    def _bind(self, args, kwargs) -> dict:
        input_names = list(self.plan.inputs)
        if len(args) > len(input_names):
            raise TypeError(
                f"kernel {self.plan.name!r} takes {len(input_names)} positional inputs "
                f"({', '.join(input_names)}); got {len(args)}"
            )
        arguments = dict(zip(input_names, args))
        for key, value in kwargs.items():
            if key in arguments:
                raise TypeError(f"kernel {self.plan.name!r} got input {key!r} twice")
            if key not in self.plan.inputs and key not in self.plan.parameters:
                raise TypeError(
                    f"kernel {self.plan.name!r} has no input or parameter {key!r}; inputs: "
                    f"{', '.join(input_names)}; parameters: "
                    f"{', '.join(self.plan.parameters) or 'none'}"
                )
            arguments[key] = value
        missing = [n for n in input_names if n not in arguments] + [
            n for n, d in self.plan.parameters.items() if d is None and n not in arguments
        ]
        if missing:
            raise TypeError(f"kernel {self.plan.name!r} is missing {', '.join(missing)}")
        return arguments

    def _check_arguments(self, arguments: dict) -> None:
        plan = self.plan
        tensors = {}
        for name, shape in plan.inputs.items():
            value = arguments[name]
            if not isinstance(value, torch.Tensor):
                raise TypeError(
                    f"input {name!r} of kernel {plan.name!r} must be a torch.Tensor; got "
                    f"{type(value).__name__}"
                )
            if tuple(value.shape[value.dim() - len(shape):]) != shape or value.dim() < len(shape):
                raise ValueError(
                    f"input {name!r} of kernel {plan.name!r} must have shape "
                    f"{shape_text(shape)}; got {tuple(value.shape)}"
                )
            tensors[name] = value
        _check_batch_shapes(plan, tensors)
        dtype = _check_dtype_and_device(plan, tensors)
        _check_parameters(plan, arguments, dtype)


def _check_batch_shapes(plan: KernelPlan, tensors: dict) -> None:
    batch = {
        name: tuple(t.shape[: t.dim() - len(plan.inputs[name])]) for name, t in tensors.items()
    }
    try:
        torch.broadcast_shapes(*batch.values())
    except RuntimeError:
        shapes = ", ".join(f"{n} {s}" for n, s in batch.items())
        raise ValueError(
            f"batch shapes of the inputs of kernel {plan.name!r} do not broadcast: {shapes}"
        ) from None


def _check_dtype_and_device(plan: KernelPlan, tensors: dict) -> torch.dtype:
    dtypes = {t.dtype for t in tensors.values()}
    if len(dtypes) > 1:
        listing = ", ".join(f"{n}: {t.dtype}" for n, t in tensors.items())
        raise TypeError(
            f"inputs of kernel {plan.name!r} have different dtypes ({listing}); convert them "
            f"to one dtype"
        )
    devices = {t.device for t in tensors.values()}
    if len(devices) > 1:
        listing = ", ".join(f"{n}: {t.device}" for n, t in tensors.items())
        raise ValueError(f"inputs of kernel {plan.name!r} are on different devices ({listing})")

    (dtype,) = dtypes
    if not (dtype.is_floating_point or dtype.is_complex):
        raise TypeError(
            f"kernel {plan.name!r} takes floating or complex inputs; got {dtype}. Convert "
            f"with .double() or .to(torch.complex128)"
        )
    if plan.complex_valued and not dtype.is_complex:
        raise TypeError(
            f"kernel {plan.name!r} is complex-valued (its expressions contain I) but its "
            f"inputs are real ({dtype}); pass complex inputs, e.g. x.to(torch.complex128)"
        )
    if dtype.is_complex and plan.real_only_functions:
        raise TypeError(
            f"kernel {plan.name!r} uses {', '.join(plan.real_only_functions)}, which take "
            f"real tensors only, but its inputs are {dtype}"
        )
    return dtype


def _check_parameters(plan: KernelPlan, arguments: dict, dtype: torch.dtype) -> None:
    for name in plan.parameters:
        if name not in arguments:
            continue
        value = arguments[name]
        if isinstance(value, torch.Tensor):
            if value.dim() != 0:
                raise ValueError(
                    f"parameter {name!r} of kernel {plan.name!r} must be a number or a 0-d "
                    f"tensor; got shape {tuple(value.shape)}"
                )
            is_complex = value.is_complex()
        elif isinstance(value, (int, float, complex)):
            is_complex = isinstance(value, complex)
        else:
            raise TypeError(
                f"parameter {name!r} of kernel {plan.name!r} must be a number or a 0-d "
                f"tensor; got {type(value).__name__}"
            )
        if is_complex and not dtype.is_complex:
            raise TypeError(
                f"parameter {name!r} of kernel {plan.name!r} is complex but the inputs are "
                f"real ({dtype}); pass complex inputs or a real parameter"
            )
