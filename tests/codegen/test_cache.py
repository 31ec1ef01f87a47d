"""Disk cache, standalone modules and torch.compile of generated kernels."""

import json
import logging
import subprocess
import sys
import textwrap

import pytest
import sympy
import torch

from geomwork.codegen import (
    Kernel,
    KernelCache,
    KernelCacheWarning,
    default_cache_dir,
    find_cxx_compiler,
    plan_kernel,
)

x, y = sympy.symbols("x y", real=True)
rho = sympy.Symbol("rho", positive=True)


def test_default_directory_follows_environment(kernel_cache_dir):
    assert default_cache_dir() == kernel_cache_dir


def test_default_directory_under_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("GEOMWORK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert default_cache_dir() == tmp_path / "geomwork" / "kernels"


def test_argument_overrides_environment(tmp_path, kernel_cache_dir):
    plan = plan_kernel(x + 1, inputs=[x], cache_dir=tmp_path / "mine")
    assert plan.path.parent == tmp_path / "mine"
    assert not kernel_cache_dir.exists() or not any(kernel_cache_dir.iterdir())


def test_second_build_is_cache_hit(caplog):
    first = plan_kernel(x**2 + y, inputs={"p": [x, y]})
    with caplog.at_level(logging.DEBUG, logger="geomwork.codegen.cache"):
        second = plan_kernel(x**2 + y, inputs={"p": [x, y]})

    assert not first.cache_hit
    assert second.cache_hit
    assert second.path == first.path
    assert second.source == first.source
    assert second.common_subexpressions == first.common_subexpressions
    assert "cache hit" in caplog.text


def test_changed_expression_gets_new_file():
    first = plan_kernel(x**2 + y, inputs={"p": [x, y]})
    second = plan_kernel(x**2 - y, inputs={"p": [x, y]})

    assert second.expression_hash != first.expression_hash
    assert second.path != first.path
    assert not second.cache_hit


def test_changed_declaration_gets_new_file():
    first = plan_kernel(x * y, inputs={"p": [x, y]})
    second = plan_kernel(x * y, inputs={"a": x, "b": y})
    assert second.expression_hash != first.expression_hash


@pytest.mark.parametrize("damage", ["edit body", "truncate", "wrong header"])
def test_corrupted_file_is_regenerated(damage, caplog):
    plan = plan_kernel(x**3, inputs=[x], name="cube")
    text = plan.path.read_text()
    if damage == "edit body":
        text = text.replace("def cube(x):", "def cube(x):\n    x = x + 1")
    elif damage == "truncate":
        text = text[:50]
    else:
        text = text.replace("expression-sha256: ", "expression-sha256: 0", 1)
    plan.path.write_text(text)

    with caplog.at_level(logging.WARNING, logger="geomwork.codegen.cache"):
        kernel = Kernel(x**3, inputs=[x], name="cube")

    assert "is corrupted" in caplog.text
    assert not kernel.plan.cache_hit
    assert kernel.path.read_text() == plan.source
    assert kernel(torch.tensor([2.0], dtype=torch.float64)).item() == 8.0


def test_unwritable_directory_falls_back_with_warning(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.warns(KernelCacheWarning, match=r"a-file/cache' is not writable .* using"):
        kernel = Kernel(x + 2, inputs=[x], cache_dir=blocker / "cache")

    assert kernel.path is not None
    assert kernel.path.parent != blocker / "cache"
    assert kernel(torch.tensor([1.0], dtype=torch.float64)).item() == 3.0


def test_cache_store_failure_keeps_kernel_in_memory(tmp_path, caplog):
    cache = KernelCache(tmp_path / "store")
    (tmp_path / "store").rmdir()
    with caplog.at_level(logging.WARNING, logger="geomwork.codegen.cache"):
        assert cache.store("kernel", "0" * 64, "source") is None
    assert "cannot write kernel" in caplog.text


def test_source_reachable_and_in_linecache():
    import inspect
    import linecache

    kernel = Kernel(sympy.sin(x) * y, inputs={"p": [x, y]}, name="wave")

    assert "def wave(p):" in kernel.source
    assert inspect.getsource(kernel.function).startswith("def wave(p):")
    assert linecache.getlines(str(kernel.path)) == kernel.source.splitlines(keepends=True)


def test_standalone_module_runs_without_sympy():
    expr = [48 * rho**4 / (x**2 + y**2 + rho**2) ** 4, sympy.sqrt(2) * sympy.exp(-x) * y]
    kernel = Kernel(expr, inputs={"p": [x, y]}, parameters=[rho], defaults={"rho": 1.0})
    points = [[0.1, 0.2], [1.0, -0.5], [2.0, 3.0]]
    expected = kernel(torch.tensor(points, dtype=torch.float64), rho=0.8).tolist()

    script = textwrap.dedent(f"""
        import importlib.util, json, sys
        sys.modules["sympy"] = None  # any import of sympy now raises ImportError
        import torch
        spec = importlib.util.spec_from_file_location("kernels", {str(kernel.path)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result = module.kernel(torch.tensor({points!r}, dtype=torch.float64), rho=0.8)
        print(json.dumps(result.tolist()))
        print(json.dumps([name for name in sys.modules if name.startswith("geomwork")]))
    """)
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )

    result_line, modules_line = completed.stdout.strip().splitlines()[-2:]
    torch.testing.assert_close(
        torch.tensor(json.loads(result_line)), torch.tensor(expected), rtol=1e-14, atol=0
    )
    assert json.loads(modules_line) == []


def test_compile_off_without_compiler(monkeypatch, caplog):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("CXX", raising=False)
    with caplog.at_level(logging.WARNING, logger="geomwork.codegen"):
        kernel = Kernel(x * x, inputs=[x], compile=True)

    assert not kernel.compiled
    assert "no C++ compiler found" in caplog.text
    assert kernel(torch.tensor([3.0], dtype=torch.float64)).item() == 9.0


def test_compile_failure_falls_back_to_eager(caplog):
    kernel = Kernel(x * x, inputs=[x])
    kernel.compiled = True

    def failing(**arguments):
        raise torch._dynamo.exc.BackendCompilerFailed(failing, RuntimeError("Python.h missing"), None)

    kernel._call = failing
    with caplog.at_level(logging.WARNING, logger="geomwork.codegen"):
        result = kernel(torch.tensor([3.0], dtype=torch.float64))

    assert result.item() == 9.0
    assert not kernel.compiled
    assert "torch.compile failed for kernel 'kernel'" in caplog.text


def _compiler_works() -> bool:
    compiler = find_cxx_compiler()
    if compiler is None:
        return False
    probe = subprocess.run([compiler, "--version"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _compiler_works(), reason="no working C++ compiler for torch.compile")
def test_compiled_kernel_matches_eager():
    expr = [x * y / (1 + x**2), sympy.exp(-y**2)]
    eager = Kernel(expr, inputs={"p": [x, y]})
    compiled = Kernel(expr, inputs={"p": [x, y]}, compile=True)
    generator = torch.Generator().manual_seed(2)
    points = torch.randn(64, 2, generator=generator, dtype=torch.float64)

    assert compiled.compiled
    torch.testing.assert_close(compiled(points), eager(points), rtol=1e-13, atol=1e-15)
