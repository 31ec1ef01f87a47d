"""Benchmark geomwork's generated kernels against other expression evaluators.

Quantities, on random points x in R^4 with instanton size rho = 1, in float64:

* the BPST action density 48 rho^4 / (x^2 + rho^2)^4;
* the 18 components F^a_mu_nu = -4 eta^a_mu_nu rho^2 / (x^2 + rho^2)^2 of the BPST
  field strength in regular gauge (a = 1..3, mu < nu), with 't Hooft's symbols eta.

Evaluators: geomwork's Kernel (eager and torch.compile), sympy.lambdify with numpy,
sympy.lambdify with torch, and SymEngine's Lambdify with its LLVM backend (skipped
when symengine is not installed).  The memory-bandwidth floor is ``clone`` of a
float64 tensor with as many elements as the output, because every evaluator has to
write those bytes into freshly allocated memory.  On CPU the page faults of that
allocation cost more than the writes themselves (measured with torch 2.13 on one
thread: allocate and fill 576 MB took 0.65 s, filling an existing buffer 0.23 s).
The read-write floor also reads every cache line of the points once, because
every evaluator reads them.  For the density the points are four times the
size of the output.

Every evaluator returns the same stacked array: shape (N,) for the density and
(N, 3, 6) for the field strength.  The time is the best of --repeats calls after
one warm-up call (compilation happens in the warm-up).

Run:  python benchmarks/codegen.py [--points 4000000] [--repeats 5] [--threads N] [--no-compile]
      [--no-huge-pages]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time

# On Linux numpy advises huge pages (madvise MADV_HUGEPAGE) for large arrays.
# This makes torch's CPU allocator do the same, so no evaluator pays 4 KiB page
# faults that another avoids.  It must be set before torch allocates anything.
if "--no-huge-pages" not in sys.argv:
    os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")

import numpy  # noqa: E402
import sympy  # noqa: E402
import torch  # noqa: E402

from geomwork.codegen import Kernel, LatticeKernels, connection_expressions, from_matrix  # noqa: E402
from geomwork.symbolic import bpst, thooft_eta  # noqa: E402

INSTANTON = bpst()
COORDINATES = INSTANTON.chart.coordinates
RHO = sympy.Symbol("rho", positive=True)
PAIRS = list(itertools.combinations(range(4), 2))


def bpst_expressions():
    """Return the action density and the (3, 6) field-strength components, derived exactly.

    Both come from geomwork's symbolic BPST connection, factored; the script
    checks them against the closed forms 48 rho^4/(x^2 + rho^2)^4 and
    -4 eta^a_mu_nu rho^2/(x^2 + rho^2)^2.
    """
    density = connection_expressions(INSTANTON, "action-density")
    strength = sympy.Array([
        [INSTANTON.field_strength_component(a, mu, nu).factor() for mu, nu in PAIRS]
        for a in range(3)
    ])
    radius_squared = sum(x**2 for x in COORDINATES) + RHO**2
    if sympy.cancel(density - 48 * RHO**4 / radius_squared**4) != 0:
        raise RuntimeError(f"derived BPST density {density} is not 48 rho^4/(x^2 + rho^2)^4")
    for a, (mu, nu) in itertools.product(range(3), PAIRS):
        expected = -4 * thooft_eta(a, mu, nu) * RHO**2 / radius_squared**2
        if sympy.cancel(strength[a, PAIRS.index((mu, nu))] - expected) != 0:
            raise RuntimeError(f"derived F^{a + 1}_{mu + 1}{nu + 1} differs from the closed form")
    return density, strength


def best_time(function, repeats: int, synchronize=None) -> float:
    """Return the shortest wall time of ``function()`` in seconds, after one warm-up call.

    The minimum rather than the median, because on a shared machine other
    processes only ever add time.
    """
    function()
    if synchronize:
        synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        if synchronize:
            synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_stacked(function, columns, shape):
    """Call a lambdified function and stack its outputs, broadcasting constant zeros."""
    values = function(*columns, 1.0)
    if not shape:
        return values
    flat = [numpy.broadcast_to(v, columns[0].shape) for v in numpy.ravel(
        numpy.array(values, dtype=object))]
    return numpy.stack(flat, axis=-1).reshape(columns[0].shape + shape)


def torch_stacked(function, columns, rho, shape):
    """As :func:`numpy_stacked` for sympy's torch printer."""
    values = function(*columns, rho)
    if not shape:
        return values
    flat = []
    for row in values:
        for value in row:
            flat.append(torch.as_tensor(value, dtype=columns[0].dtype).expand(columns[0].shape))
    return torch.stack(flat, dim=-1).unflatten(-1, shape)


def evaluators(name, expressions, points, repeats, compile_kernels, cache_dir):
    """Yield (label, seconds or None, note) for every evaluator of one quantity."""
    shape = tuple(expressions.shape) if isinstance(expressions, sympy.NDimArray) else ()
    inputs = {"x": list(COORDINATES)}
    kernel = Kernel(expressions, inputs=inputs, parameters=[RHO], name=name, cache_dir=cache_dir)
    yield "geomwork eager", best_time(lambda: kernel(points, rho=1.0), repeats), ""

    if compile_kernels:
        compiled = Kernel(expressions, inputs=inputs, parameters=[RHO], name=name,
                          cache_dir=cache_dir, compile=True)
        if compiled.compiled:
            rho = torch.tensor(1.0, dtype=torch.float64)
            yield "geomwork compiled", best_time(lambda: compiled(points, rho=rho), repeats), ""
        else:
            yield "geomwork compiled", None, "no C++ compiler"
    else:
        yield "geomwork compiled", None, "--no-compile"

    arguments = [*COORDINATES, RHO]
    flat_expressions = expressions.tolist() if shape else expressions
    array = points.numpy()
    numpy_columns = [array[:, i] for i in range(4)]
    numpy_function = sympy.lambdify(arguments, flat_expressions, modules="numpy")
    yield "sympy lambdify numpy", best_time(
        lambda: numpy_stacked(numpy_function, numpy_columns, shape), repeats), ""

    torch_function = sympy.lambdify(arguments, flat_expressions, modules="torch")
    torch_columns = [points[:, i] for i in range(4)]
    # sympy's torch printer emits torch.pow(rho, 4), which raises on a Python float.
    rho_tensor = torch.tensor(1.0, dtype=torch.float64)
    yield "sympy lambdify torch", best_time(
        lambda: torch_stacked(torch_function, torch_columns, rho_tensor, shape), repeats), ""

    try:
        import symengine
    except ImportError:
        yield "symengine llvm", None, "symengine not installed (pip install symengine)"
    else:
        flat = sympy.flatten(flat_expressions) if shape else [flat_expressions]
        lambdified = symengine.Lambdify(arguments, flat, backend="llvm", cse=True)
        packed = numpy.column_stack([array, numpy.ones(len(array))])
        yield "symengine llvm", best_time(
            lambda: lambdified(packed).reshape((len(array),) + shape), repeats), ""

    copy_elements = points.shape[0] * max(1, int(numpy.prod(shape)))
    source = torch.empty(copy_elements, dtype=torch.float64).uniform_()
    yield "copy floor", best_time(source.clone, repeats), f"clone of {copy_elements * 8 / 1e6:.0f} MB"
    # Every evaluator also reads all the points, which the copy floor leaves out.  Adding two
    # columns touches every cache line of the points and writes one output value per point;
    # the clone writes the rest of the output.  (points.sum(-1) took four times longer.)
    rest = source[: copy_elements - points.shape[0]]
    yield "read-write floor", best_time(lambda: (points[:, 0] + points[:, -1], rest.clone()), repeats), (
        f"reads the {points.numel() * 8 / 1e6:.0f} MB of points, writes {copy_elements * 8 / 1e6:.0f} MB")


def cuda_rows(name, expressions, points, repeats, cache_dir):
    """Yield CUDA timings of the eager and compiled kernel and the copy floor."""
    inputs = {"x": list(COORDINATES)}
    device_points = points.cuda()
    synchronize = torch.cuda.synchronize
    eager = Kernel(expressions, inputs=inputs, parameters=[RHO], name=name, cache_dir=cache_dir)
    yield "cuda eager", best_time(lambda: eager(device_points, rho=1.0), repeats, synchronize)
    compiled = Kernel(expressions, inputs=inputs, parameters=[RHO], name=name,
                      cache_dir=cache_dir, compile=True)
    rho = torch.tensor(1.0, dtype=torch.float64, device="cuda")
    yield "cuda compiled", best_time(lambda: compiled(device_points, rho=rho), repeats,
                                       synchronize)
    shape = tuple(expressions.shape) if isinstance(expressions, sympy.NDimArray) else ()
    copy_elements = points.shape[0] * max(1, int(numpy.prod(shape)))
    source = torch.empty(copy_elements, dtype=torch.float64, device="cuda").uniform_()
    yield "cuda copy floor", best_time(source.clone, repeats, synchronize)


def report_goals(times: dict) -> list[str]:
    """Return one line per goal with the measured ratio."""
    lines = []

    def ratio(slow, fast):
        if times.get(slow) is None or times.get(fast) is None:
            return None
        return times[slow] / times[fast]

    goals = [
        ("compiled >= 5x faster than numpy lambdify", "sympy lambdify numpy",
         "geomwork compiled", 5.0),
        ("compiled faster than SymEngine LLVM", "symengine llvm", "geomwork compiled", 1.0),
        ("compiled within 2x of the copy floor", "copy floor", "geomwork compiled", 0.5),
        ("compiled within 2x of the read-write floor", "read-write floor", "geomwork compiled", 0.5),
        ("eager >= 2x faster than torch lambdify", "sympy lambdify torch", "geomwork eager", 2.0),
    ]
    for text, slow, fast, target in goals:
        value = ratio(slow, fast)
        if value is None:
            lines.append(f"  {text}: not measured")
        else:
            verdict = "met" if value >= target else "missed"
            lines.append(f"  {text}: ratio {value:.2f} (goal {target:g}) {verdict}")
    return lines


def lattice_rows(links: int, repeats: int, compile_kernels: bool, cache_dir):
    """Yield (label, seconds) for link products against batched complex matmul."""
    generator = torch.Generator().manual_seed(0)
    for group, n in (("SU(2)", 2), ("SU(3)", 3)):
        real = torch.randn(2, links, n, n, generator=generator, dtype=torch.float64)
        imaginary = torch.randn(2, links, n, n, generator=generator, dtype=torch.float64)
        matrices, _ = torch.linalg.qr(torch.complex(real, imaginary))
        u_matrix, v_matrix = matrices[0], matrices[1]
        kernels = LatticeKernels(group, cache_dir=cache_dir)
        u, v = from_matrix(group, u_matrix), from_matrix(group, v_matrix)
        yield f"{group} product: complex matmul", best_time(lambda: u_matrix @ v_matrix, repeats)
        yield f"{group} product: geomwork eager", best_time(lambda: kernels.product(u, v), repeats)
        if compile_kernels:
            compiled = LatticeKernels(group, cache_dir=cache_dir, compile=True)
            if compiled.kernel("product").compiled:
                yield f"{group} product: geomwork compiled", best_time(
                    lambda: compiled.product(u, v), repeats)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=4_000_000,
                        help="number of random points x (default 4000000)")
    parser.add_argument("--links", type=int, default=1_000_000,
                        help="number of links in the lattice product comparison")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per evaluator")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random points")
    parser.add_argument("--no-huge-pages", action="store_true",
                        help="leave THP_MEM_ALLOC_ENABLE unset (torch allocates 4 KiB pages)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice)")
    arguments = parser.parse_args(argv)
    if arguments.threads:
        torch.set_num_threads(arguments.threads)

    generator = torch.Generator().manual_seed(arguments.seed)
    points = 2 * torch.randn(arguments.points, 4, generator=generator, dtype=torch.float64)
    cache_dir = os.environ.get("GEOMWORK_CACHE_DIR") or tempfile.mkdtemp(prefix="geomwork-bench-")
    compile_kernels = not arguments.no_compile

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, sympy {sympy.__version__}, "
          f"numpy {numpy.__version__}, python {sys.version.split()[0]}, "
          f"THP_MEM_ALLOC_ENABLE={os.environ.get('THP_MEM_ALLOC_ENABLE', 'unset')}")
    print(f"{arguments.points} points, float64, rho = 1, best of {arguments.repeats} calls, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    density, strength = bpst_expressions()
    for name, expressions in (("bpst_action_density", density),
                              ("bpst_field_strength", strength)):
        print(f"\n{name}")
        times = {}
        for label, seconds, note in evaluators(name, expressions, points, arguments.repeats,
                                               compile_kernels, cache_dir):
            times[label] = seconds
            time_text = "skipped" if seconds is None else f"{seconds * 1e3:9.2f} ms"
            print(f"  {label:24s} {time_text}  {note}")
        eager = times["geomwork eager"]
        print("  times relative to geomwork eager: " + ", ".join(
            f"{label} {value / eager:.2f}" for label, value in times.items() if value))
        print("\n".join(report_goals(times)))
        if torch.cuda.is_available():
            for label, seconds in cuda_rows(name, expressions, points, arguments.repeats,
                                            cache_dir):
                print(f"  {label:24s} {seconds * 1e3:9.3f} ms")

    print(f"\nlattice link products, {arguments.links} links, float64 / complex128")
    for label, seconds in lattice_rows(arguments.links, arguments.repeats, compile_kernels,
                                       cache_dir):
        print(f"  {label:36s} {seconds * 1e3:9.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
