"""Kernels against exact values, gradients, broadcasting and bad input."""

import logging
import traceback
import zlib

import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geomwork.codegen import Kernel, UntranslatableExpressionError, plan_kernel

from .helpers import assert_close, cuda

x, y, z = sympy.symbols("x y z", real=True)
w = sympy.Symbol("w")  # complex
rho = sympy.Symbol("rho", positive=True)

# name -> (expression, sampling interval for x, y, z)
REAL_CASES = {
    "polynomial": (x**3 - 2 * x * y + z**2 / 3, (-2.0, 2.0)),
    "rational powers": ((x**2 + y**2 + 1) ** -4 * 48 + 1 / (1 + z**2) ** 2, (-2.0, 2.0)),
    "large power": ((x + y) ** 7 - z**-3, (0.5, 1.5)),
    "roots": (sympy.sqrt(x + 2) - 1 / sympy.sqrt(y + 2) + (z + 2) ** sympy.Rational(3, 2),
              (0.1, 2.0)),
    "transcendental": (sympy.exp(-x**2 / 2) * sympy.sin(y) + sympy.log(z + 3) * sympy.atan(x),
                       (-1.5, 1.5)),
    "hyperbolic": (sympy.tanh(x) * sympy.cosh(y) - sympy.asinh(z), (-1.0, 1.0)),
    "number subtrees": (sympy.sqrt(2) * x + sympy.pi * y / 3 + sympy.E * z + sympy.sqrt(3),
                        (-1.0, 1.0)),
    "max min": (sympy.Max(x, y, sympy.Rational(1, 4)) - sympy.Min(z, 0), (-1.0, 1.0)),
    "piecewise": (sympy.Piecewise((x * y, x > 0), (z, True)) + sympy.Abs(z), (-1.0, 1.0)),
    "atan2": (sympy.atan2(y, x) + sympy.Heaviside(z), (-1.0, 1.0)),
}


def _random_points(count, low, high, dtype, seed):
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(count, 3, generator=generator, dtype=torch.float64)


def _exact(expr, points, symbols):
    """Evaluate with mpmath at 30 digits, one point at a time."""
    values = []
    for row in points.tolist():
        value = sympy.N(expr.subs(dict(zip(symbols, row))), 30)
        values.append(complex(value))
    return torch.tensor(values, dtype=torch.complex128)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("case", sorted(REAL_CASES))
def test_kernel_matches_exact_values(case, dtype):
    expr, (low, high) = REAL_CASES[case]
    kernel = Kernel(expr, inputs={"p": [x, y, z]})
    points = _random_points(16, low, high, dtype, seed=zlib.crc32(case.encode()))

    result = kernel(points.to(dtype))

    assert result.dtype == dtype
    expected = _exact(expr, points, [x, y, z]).real.to(dtype)
    assert_close(result, expected, dtype)


@pytest.mark.parametrize("dtype", [torch.complex128, torch.complex64])
def test_complex_kernel_matches_exact_values(dtype):
    expr = sympy.I * w**2 + sympy.exp(w) * sympy.conjugate(w) - (1 + 2 * sympy.I) / (w + 3)
    kernel = Kernel(expr, inputs={"w": w})
    generator = torch.Generator().manual_seed(11)
    points = torch.randn(12, generator=generator, dtype=torch.complex128)

    result = kernel(points.to(dtype))

    expected = torch.tensor(
        [complex(sympy.N(expr.subs(w, complex(p)), 30)) for p in points.tolist()],
        dtype=torch.complex128,
    )
    assert result.dtype == dtype
    assert_close(result, expected.to(dtype), dtype)


def test_matrix_output_shape_and_values():
    matrix = sympy.Matrix([[x, x * y, 0], [sympy.cos(y), 1, rho * x]])
    kernel = Kernel(matrix, inputs={"x": x, "y": y}, parameters=[rho])
    generator = torch.Generator().manual_seed(3)
    xs = torch.randn(4, 5, generator=generator, dtype=torch.float64)
    ys = torch.randn(4, 5, generator=generator, dtype=torch.float64)

    result = kernel(xs, ys, rho=2.5)

    assert result.shape == (4, 5, 2, 3)
    assert result.permute(2, 3, 0, 1).is_contiguous()
    zeros = torch.zeros_like(xs)
    expected = torch.stack([
        torch.stack([xs, xs * ys, zeros], -1),
        torch.stack([torch.cos(ys), zeros + 1, 2.5 * xs], -1),
    ], -2)
    assert_close(result, expected, torch.float64)


def test_array_and_list_outputs():
    array = sympy.Array([[[x, y], [x * y, 1]], [[0, x**2], [y**2, x + y]]])
    kernel = Kernel(array, inputs={"p": [x, y]})
    listed = Kernel([x, y, x * y], inputs={"p": [x, y]})
    points = torch.tensor([[2.0, 3.0]], dtype=torch.float64)

    assert kernel(points).shape == (1, 2, 2, 2)
    assert kernel(points)[0, 1, 1, 0].item() == 9.0
    assert listed(points).tolist() == [[2.0, 3.0, 6.0]]


def test_broadcasting_over_batch_dimensions():
    kernel = Kernel([x * z, z, y], inputs={"p": [x, y], "t": z})
    generator = torch.Generator().manual_seed(5)
    points = torch.randn(5, 1, 2, generator=generator, dtype=torch.float64)
    times = torch.randn(3, generator=generator, dtype=torch.float64)

    result = kernel(points, times)

    assert result.shape == (5, 3, 3)
    assert_close(result[..., 0], points[..., 0] * times, torch.float64)
    assert_close(result[..., 1], times.expand(5, 3), torch.float64)
    assert_close(result[..., 2], points[..., 1].expand(5, 3), torch.float64)


def test_scalar_input_without_batch():
    kernel = Kernel(x**2, inputs=[x])
    assert kernel(torch.tensor(3.0, dtype=torch.float64)).item() == 9.0


def test_gradcheck_float64():
    expr = [sympy.exp(-x**2) * sympy.sin(y) / (1 + rho**2 * z**2), sympy.sqrt(x**2 + y**2 + 1)]
    kernel = Kernel(expr, inputs={"p": [x, y, z]}, parameters=[rho])
    generator = torch.Generator().manual_seed(7)
    points = torch.randn(6, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    size = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)

    assert torch.autograd.gradcheck(lambda p, r: kernel(p, rho=r), (points, size))
    assert torch.autograd.gradgradcheck(lambda p, r: kernel(p, rho=r), (points, size))


def test_parameter_default_and_override():
    kernel = Kernel(rho * x, inputs=[x], parameters={"size": rho}, defaults={"size": 2.0})
    value = torch.tensor([1.5], dtype=torch.float64)

    assert kernel(value).item() == 3.0
    assert kernel(value, size=4.0).item() == 6.0
    assert "size=2.0" in kernel.plan.summary()


def test_plan_printable_before_running():
    expr = [(x**2 + y**2 + rho**2) ** -2, x * (x**2 + y**2 + rho**2) ** -2]
    plan = plan_kernel(expr, inputs={"p": [x, y]}, parameters=[rho], name="field")

    text = str(plan)

    assert "kernel 'field'" in text
    assert "p (..., 2)" in text
    assert "output: (..., 2)" in text
    assert plan.common_subexpressions >= 1
    assert f"common subexpressions: {plan.common_subexpressions}" in text
    assert "def field(p, *, rho):" in text
    assert "torch.pow" not in plan.source


def test_header_names_hash_and_version():
    import geomwork

    kernel = Kernel(x + 1, inputs=[x])
    lines = kernel.source.splitlines()

    assert lines[0].startswith(f"# Generated by geomwork {geomwork.__version__}")
    assert lines[1] == f"# expression-sha256: {kernel.plan.expression_hash}"
    assert lines[2].startswith("# source-sha256: ")
    assert kernel.path.read_text() == kernel.source


def test_keeps_dtype_float32():
    kernel = Kernel(sympy.sqrt(2) * x**3 + sympy.pi, inputs=[x])
    value = torch.tensor([1.0, 2.0], dtype=torch.float32)
    assert kernel(value).dtype == torch.float32


@cuda
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_cuda_keeps_device_and_dtype(dtype):
    kernel = Kernel([x * y, sympy.exp(y), 1], inputs={"p": [x, y]}, parameters=[rho],
                    defaults={"rho": 1.0})
    points = torch.randn(10, 2, dtype=dtype, device="cuda")

    result = kernel(points)

    assert result.device == points.device
    assert result.dtype == dtype
    assert_close(result.cpu(), kernel(points.cpu()), dtype)


# Strict mode and the function table -------------------------------------


def test_strict_mode_names_type_and_fix():
    expr = sympy.besselj(0, x) + x
    with pytest.raises(UntranslatableExpressionError, match=r"besselj\(0, x\) \(type besselj\).*functions="):
        Kernel(expr, inputs=[x])


def test_non_strict_mode_raises_when_called(caplog):
    f = sympy.Function("f")
    with caplog.at_level(logging.WARNING, logger="geomwork.codegen"):
        kernel = Kernel(f(x) + x, inputs=[x], strict=False, use_cache=False)
    assert "untranslatable" in caplog.text

    with pytest.raises(NotImplementedError, match=r"could not translate f\(x\) \(type f\)") as info:
        kernel(torch.ones(2, dtype=torch.float64))

    # The module lives in memory only, so the traceback lines come from linecache.
    assert kernel.path is None
    text = "".join(traceback.format_exception(info.value))
    assert "_untranslatable('f(x)', 'f')" in text


def test_function_table_row_from_caller():
    kernel = Kernel(sympy.erfc(x), inputs=[x], functions={"erfc": "torch.special.erfc"})
    value = torch.tensor([0.0, 1.0], dtype=torch.float64)
    assert_close(kernel(value), torch.special.erfc(value), torch.float64)


# Bad input ---------------------------------------------------------------


def test_undeclared_symbol_rejected():
    with pytest.raises(ValueError, match=r"undeclared symbols z; declare them in inputs="):
        Kernel(x + z, inputs=[x])


def test_repeated_symbol_rejected():
    with pytest.raises(ValueError, match=r"symbols declared more than once: \['x'\]"):
        Kernel(x, inputs={"a": x, "b": [x, y]})


def test_reserved_input_name_rejected():
    with pytest.raises(ValueError, match=r"input name 'torch' is reserved"):
        Kernel(x, inputs={"torch": x})


def test_mismatched_component_shape():
    kernel = Kernel(x * y, inputs={"p": [x, y]})
    with pytest.raises(ValueError, match=r"input 'p' of kernel 'kernel' must have shape \(\.\.\., 2\); got \(5, 3\)"):
        kernel(torch.zeros(5, 3, dtype=torch.float64))


def test_batch_shapes_that_do_not_broadcast():
    kernel = Kernel(x * y, inputs={"a": x, "b": y})
    with pytest.raises(ValueError, match=r"do not broadcast: a \(4,\), b \(3,\)"):
        kernel(torch.zeros(4, dtype=torch.float64), torch.zeros(3, dtype=torch.float64))


def test_mixed_dtypes_rejected():
    kernel = Kernel(x * y, inputs={"a": x, "b": y})
    with pytest.raises(TypeError, match=r"different dtypes \(a: torch.float64, b: torch.float32\)"):
        kernel(torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float32))


def test_integer_dtype_rejected():
    kernel = Kernel(x**2, inputs=[x])
    with pytest.raises(TypeError, match=r"floating or complex inputs; got torch.int64"):
        kernel(torch.arange(3))


def test_complex_expression_with_real_inputs():
    kernel = Kernel(sympy.I * x, inputs=[x])
    with pytest.raises(TypeError, match=r"complex-valued .* inputs are real \(torch.float64\)"):
        kernel(torch.zeros(2, dtype=torch.float64))


def test_real_only_function_with_complex_inputs():
    kernel = Kernel(sympy.atan2(y, x), inputs={"p": [x, y]})
    with pytest.raises(TypeError, match=r"uses torch.atan2, which take real tensors only"):
        kernel(torch.zeros(2, 2, dtype=torch.complex128))


def test_complex_parameter_with_real_inputs():
    kernel = Kernel(rho * x, inputs=[x], parameters=[rho])
    with pytest.raises(TypeError, match=r"parameter 'rho' of kernel 'kernel' is complex"):
        kernel(torch.zeros(2, dtype=torch.float64), rho=1j)


def test_unknown_and_missing_arguments():
    kernel = Kernel(rho * x, inputs=[x], parameters=[rho])
    value = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"no input or parameter 'sigma'"):
        kernel(value, rho=1.0, sigma=2.0)
    with pytest.raises(TypeError, match=r"kernel 'kernel' is missing rho"):
        kernel(value)
    with pytest.raises(TypeError, match=r"input 'x' of kernel 'kernel' must be a torch.Tensor"):
        kernel([1.0, 2.0], rho=1.0)



# Printer properties ------------------------------------------------------

_LEAVES = st.sampled_from([x, y, z, sympy.Integer(2), sympy.Rational(-3, 7), sympy.sqrt(5)])


def _combine(children):
    unary = st.tuples(st.sampled_from([sympy.sin, sympy.cos, sympy.exp, sympy.atan, sympy.Abs,
                                       lambda e: -e]), children).map(lambda t: t[0](t[1]))
    binary = st.tuples(st.sampled_from([sympy.Add, sympy.Mul, lambda a, b: a - b]),
                       children, children).map(lambda t: t[0](t[1], t[2]))
    power = st.tuples(children, st.integers(-5, 9)).map(
        lambda t: (1 + t[0] ** 2) ** t[1] if t[1] < 0 else t[0] ** t[1])
    return unary | binary | power


@settings(max_examples=25, deadline=None, derandomize=True)
@given(expr=st.recursive(_LEAVES, _combine, max_leaves=8))
def test_printed_expression_matches_sympy(expr):
    kernel = Kernel(expr, inputs={"p": [x, y, z]}, use_cache=False)
    point = [0.3, -0.7, 1.1]

    result = kernel(torch.tensor([point], dtype=torch.float64))[0].item()

    expected = complex(sympy.N(sympy.sympify(expr).subs(dict(zip([x, y, z], point))), 30)).real
    assert result == pytest.approx(expected, rel=1e-10, abs=1e-12)
