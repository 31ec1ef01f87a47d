"""Benchmark exact curvature against EinsteinPy and SageMath.

Computes the Riemann tensor, the Ricci tensor and the Kretschmann scalar of
Schwarzschild, Kerr (Boyer–Lindquist) and FLRW (scale factor a(t), spatial
curvature k) with three systems:

* geomwork's differential rational-function field,
* EinsteinPy's symbolic module, which applies ``sympy.simplify`` to every
  Riemann and Ricci component, and here also to the Kretschmann scalar,
* SageMath's manifolds (passagemath), whose components go through Sage's
  default simplification chain as they are computed.

All three compute the Kretschmann scalar as :math:`R^{ab}{}_{cd}R^{cd}{}_{ab}`,
which needs one raised index of the Riemann tensor.

Each repeat of each case runs in a fresh Python process, so no cache survives
between repeats. The time is measured inside that process around the
computation alone: it starts after the imports and includes building the
metric, all three curvature quantities and, for geomwork, turning the exact
components into sympy expressions. Peak memory is the process's maximum
resident set size as reported by ``os.wait4``, so it includes the interpreter
and the imported libraries, whose share is printed beside it.

Every result that finishes is checked in this process, without any further
simplification: Schwarzschild's and Kerr's Ricci components must be literally
0, Schwarzschild's Kretschmann scalar literally :math:`48M^2/r^6`, and Kerr's
Kretschmann scalar and FLRW's Ricci components and Kretschmann scalar must
equal their closed forms and be reduced fractions. A result that is correct
but fails these is reported as not simplified.

The peers run in a separate Python environment given by ``--peer-python``
(EinsteinPy, passagemath-symbolics and passagemath-maxima installed there).
This file is also the driver run inside each subprocess (``--run-case``), so it
imports nothing but the standard library at module level.

Usage::

    python benchmarks/symbolic_curvature.py [--repeats 3] [--timeout 600]
        [--peer-python /work/bench-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _processes import run_child  # benchmarks/ is on sys.path when a script runs

SPACETIMES = ("schwarzschild", "kerr", "flrw")
PEERS = ("einsteinpy", "sage")
PEER_LABELS = {"geomwork": "geomwork", "einsteinpy": "EinsteinPy", "sage": "SageMath"}
DEFAULT_PEER_PYTHON = Path("/work/bench-venv/bin/python")

# Extra catalogue cases beyond each entry's defaults, for the "every catalogue
# metric under 2 s" goal.
EXTRA_CATALOGUE_CASES = ("sphere:n=4", "hyperbolic:n=4")

KERR_SPEEDUP_GOAL = 10.0
CATALOGUE_SECONDS_GOAL = 2.0


# --------------------------------------------------------------------------- drivers
# Each driver runs inside a fresh subprocess and returns plain data: the time,
# the Ricci components and the Kretschmann scalar as sympy strings, and the
# number of non-zero components of R^a_{bcd}.


def _parse_case(case: str) -> tuple[str, dict]:
    """Split ``"sphere:n=4,a=2"`` into the name and integer-or-string parameters."""
    name, _, rest = case.partition(":")
    parameters = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        parameters[key] = int(value) if value.lstrip("-").isdigit() else value
    return name, parameters


def _flat(array) -> list:
    """Flatten a sympy N-dim array into its components in index order.

    Iterating the array itself yields rows, not components.
    """
    import sympy

    return sympy.flatten(array.tolist())


def _drive_geomwork(case: str) -> dict:
    from geomwork.symbolic import catalogue_metric

    name, parameters = _parse_case(case)
    start = time.perf_counter()
    metric = catalogue_metric(name, **parameters)
    riemann = _flat(metric.riemann.to_array())
    ricci = _flat(metric.ricci.to_array())
    riemann_ricci_seconds = time.perf_counter() - start
    kretschmann = metric.kretschmann
    seconds = time.perf_counter() - start

    return {
        "seconds": seconds,
        "riemann_ricci_seconds": riemann_ricci_seconds,
        "ricci": [str(value) for value in ricci],
        "kretschmann": str(kretschmann),
        "riemann_nonzero": sum(1 for value in riemann if value != 0),
    }


def _sympy_metric(name: str):
    """Build one spacetime's metric matrix and coordinates in sympy, for EinsteinPy."""
    import sympy

    t, theta, phi = sympy.symbols("t theta phi")
    r = sympy.Symbol("r", positive=True)
    M, a = sympy.symbols("M a", positive=True)
    sin2 = sympy.sin(theta) ** 2
    g = sympy.zeros(4)
    if name == "schwarzschild":
        f = 1 - 2 * M / r
        g[0, 0], g[1, 1], g[2, 2], g[3, 3] = -f, 1 / f, r ** 2, r ** 2 * sin2
    elif name == "kerr":
        sigma = r ** 2 + a ** 2 * sympy.cos(theta) ** 2
        delta = r ** 2 - 2 * M * r + a ** 2
        g[0, 0] = -(1 - 2 * M * r / sigma)
        g[0, 3] = g[3, 0] = -2 * M * a * r * sin2 / sigma
        g[1, 1] = sigma / delta
        g[2, 2] = sigma
        g[3, 3] = (r ** 2 + a ** 2 + 2 * M * r * a ** 2 * sin2 / sigma) * sin2
    else:
        k = sympy.Symbol("k", real=True)
        scale = sympy.Function("a")(t)
        g[0, 0] = -1
        g[1, 1] = scale ** 2 / (1 - k * r ** 2)
        g[2, 2] = scale ** 2 * r ** 2
        g[3, 3] = scale ** 2 * r ** 2 * sin2
    return g, (t, r, theta, phi)


def _drive_einsteinpy(name: str) -> dict:
    import sympy
    from einsteinpy.symbolic import MetricTensor, RicciTensor, RiemannCurvatureTensor

    start = time.perf_counter()
    matrix, coordinates = _sympy_metric(name)
    metric = MetricTensor(matrix.tolist(), coordinates)
    # from_metric simplifies every Riemann component, from_riemann every Ricci
    # component and change_config every component after the index is raised.
    riemann = RiemannCurvatureTensor.from_metric(metric)
    ricci = RicciTensor.from_riemann(riemann)
    riemann_ricci_seconds = time.perf_counter() - start

    # K = R^{ab}_{cd} R^{cd}_{ab}, which needs one raised index instead of six moves.
    mixed = riemann.change_config("uull", metric).tensor()
    dimension = range(4)
    total = sum(mixed[a, b, c, d] * mixed[c, d, a, b] for a in dimension for b in dimension
                for c in dimension for d in dimension)
    kretschmann = sympy.simplify(total)
    seconds = time.perf_counter() - start

    return {
        "seconds": seconds,
        "riemann_ricci_seconds": riemann_ricci_seconds,
        "ricci": [str(value) for value in _flat(ricci.tensor())],
        "kretschmann": str(kretschmann),
        "riemann_nonzero": sum(1 for value in _flat(riemann.tensor()) if value != 0),
    }


def _sage_metric(name: str):
    """Build one spacetime's Sage Lorentzian metric, with the same symbols as geomwork."""
    from sage.all__sagemath_symbolics import Manifold, assume, cos, function, sin, var

    manifold = Manifold(4, "M", structure="Lorentzian")
    chart = manifold.chart(r"t r:(0,+oo) theta:(0,pi) phi:(0,2*pi)")
    t, r, theta, _ = chart[:]
    g = manifold.metric()
    sin2 = sin(theta) ** 2
    if name == "schwarzschild":
        mass = var("M")
        assume(mass > 0)
        f = 1 - 2 * mass / r
        g[0, 0], g[1, 1], g[2, 2], g[3, 3] = -f, 1 / f, r ** 2, r ** 2 * sin2
    elif name == "kerr":
        mass, spin = var("M a")
        assume(mass > 0, spin > 0)
        sigma = r ** 2 + spin ** 2 * cos(theta) ** 2
        delta = r ** 2 - 2 * mass * r + spin ** 2
        g[0, 0] = -(1 - 2 * mass * r / sigma)
        g[0, 3] = -2 * mass * spin * r * sin2 / sigma
        g[1, 1] = sigma / delta
        g[2, 2] = sigma
        g[3, 3] = (r ** 2 + spin ** 2 + 2 * mass * r * spin ** 2 * sin2 / sigma) * sin2
    else:
        curvature = var("k", domain="real")
        scale = function("a")(t)
        g[0, 0] = -1
        g[1, 1] = scale ** 2 / (1 - curvature * r ** 2)
        g[2, 2] = scale ** 2 * r ** 2
        g[3, 3] = scale ** 2 * r ** 2 * sin2
    return g


def _drive_sage(name: str) -> dict:
    start = time.perf_counter()
    g = _sage_metric(name)
    riemann = g.riemann()
    riemann[:]  # computes every component in the chart's frame
    ricci = g.ricci()
    ricci[:]
    riemann_ricci_seconds = time.perf_counter() - start

    # K = R^{ab}_{cd} R^{cd}_{ab}, the contraction the other two drivers use. For
    # Kerr it took Sage half the time of lowering all four indices and raising
    # all four (200 s against 418 s, measured once, see docs/benchmarks.md).
    mixed = riemann.up(g, 1)
    kretschmann_expr = mixed.contract(0, 1, 2, 3, mixed, 2, 3, 0, 1).expr()
    seconds = time.perf_counter() - start

    indices = range(4)
    return {
        "seconds": seconds,
        "riemann_ricci_seconds": riemann_ricci_seconds,
        "ricci": [str(ricci[i, j].expr()._sympy_()) for i in indices for j in indices],
        "kretschmann": str(kretschmann_expr._sympy_()),
        "riemann_nonzero": sum(1 for i in indices for j in indices for k in indices
                               for m in indices if not riemann[i, j, k, m].expr().is_trivial_zero()),
    }


DRIVERS = {"geomwork": _drive_geomwork, "einsteinpy": _drive_einsteinpy, "sage": _drive_sage}
DRIVER_IMPORTS = {"geomwork": "geomwork.symbolic", "einsteinpy": "einsteinpy.symbolic",
                  "sage": "sage.all__sagemath_symbolics"}


def run_case_in_this_process(system: str, case: str, result_file: str) -> None:
    """Import the system, run its driver on one case and write the result as JSON."""
    import importlib
    import resource

    module = importlib.import_module(DRIVER_IMPORTS[system])
    if system == "sage":
        # Sage starts its Maxima library on the first simplification; do that
        # here so that the timed part is the computation alone.
        module.SR.var("x").simplify_full()
    import_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = DRIVERS[system](case)
    result["import_rss_kib"] = import_rss_kib
    Path(result_file).write_text(json.dumps(result))


# --------------------------------------------------------------------------- subprocesses


@dataclass
class Run:
    """One repeat of one case in its own process."""

    seconds: float | None = None
    peak_rss_kib: int = 0
    payload: dict | None = None
    failure: str | None = None  # "timeout" or the error's last line


def run_subprocess(python: str, system: str, case: str, timeout: float) -> Run:
    """Run one case in a fresh ``python`` process, killing it after ``timeout`` seconds."""
    with tempfile.TemporaryDirectory(prefix="geomwork-bench-") as folder:
        result_file = Path(folder) / "result.json"
        log_file = Path(folder) / "stderr.txt"
        command = [python, os.path.abspath(__file__), "--run-case", system, case,
                   "--result-file", str(result_file)]
        failure, peak = run_child(command, log_file, result_file, timeout)
        run = Run(peak_rss_kib=peak, failure=failure)

        if failure is None:
            run.payload = json.loads(result_file.read_text())
            run.seconds = run.payload["seconds"]
        return run


@dataclass
class CaseResult:
    """All repeats of one system on one case."""

    system: str
    case: str
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return bool(self.runs) and all(run.failure is None for run in self.runs)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(run.seconds for run in self.runs) if self.finished else None

    @property
    def median_riemann_ricci_seconds(self) -> float | None:
        if not self.finished:
            return None
        return statistics.median(run.payload["riemann_ricci_seconds"] for run in self.runs)

    @property
    def peak_rss_mib(self) -> float:
        return max(run.peak_rss_kib for run in self.runs) / 1024

    @property
    def import_rss_mib(self) -> float | None:
        values = [run.payload["import_rss_kib"] for run in self.runs if run.payload]
        return max(values) / 1024 if values else None

    @property
    def failure(self) -> str | None:
        return next((run.failure for run in self.runs if run.failure), None)


def measure(python: str, system: str, case: str, repeats: int, timeout: float) -> CaseResult:
    """Run ``repeats`` fresh processes; stop after the first one that fails or times out."""
    result = CaseResult(system, case)
    for _ in range(repeats):
        run = run_subprocess(python, system, case, timeout)
        result.runs.append(run)
        if run.failure:
            break
    if result.finished:
        result.problems = check_result(case, result.runs[-1].payload)
    return result


# --------------------------------------------------------------------------- checks


def _symbols():
    import sympy

    return {
        "t": sympy.Symbol("t"), "r": sympy.Symbol("r", positive=True),
        "theta": sympy.Symbol("theta"), "phi": sympy.Symbol("phi"),
        "M": sympy.Symbol("M", positive=True), "k": sympy.Symbol("k", real=True),
    }


def _parse(text: str, spacetime: str):
    """Parse a sympy string with the benchmark's symbols; ``a`` is a(t) in FLRW only."""
    import sympy

    names = _symbols()
    names["a"] = (sympy.Function("a") if spacetime == "flrw"
                  else sympy.Symbol("a", positive=True))
    return sympy.sympify(text, locals=names)


def _rational_form(expression):
    """Rewrite sin θ, cos θ and a(t), ȧ, ä as symbols, so the result is a rational function."""
    import sympy

    names = _symbols()
    t, theta = names["t"], names["theta"]
    scale = sympy.Function("a")(t)
    replacements = [(scale.diff(t, 2), sympy.Symbol("addot")), (scale.diff(t), sympy.Symbol("adot")),
                    (scale, sympy.Symbol("A")), (sympy.sin(theta), sympy.Symbol("S")),
                    (sympy.cos(theta), sympy.Symbol("C"))]
    for old, new in replacements:
        expression = expression.subs(old, new)
    return expression


def _equal(expression, reference) -> bool:
    """Exact equality, with sin θ and cos θ in terms of u = tan(θ/2)."""
    import sympy

    u = sympy.Symbol("u")
    halves = {sympy.Symbol("S"): 2 * u / (1 + u ** 2), sympy.Symbol("C"): (1 - u ** 2) / (1 + u ** 2)}
    difference = _rational_form(expression) - _rational_form(reference)
    return sympy.cancel(difference.subs(halves)) == 0


def _is_reduced(expression) -> bool:
    """True when, brought over a common denominator, no polynomial factor cancels.

    sin θ and cos θ count as independent variables here, so a factor that only
    cancels through sin²θ + cos²θ = 1 is not detected.
    """
    import sympy

    rational = _rational_form(expression)
    if rational.atoms(sympy.Function, sympy.Derivative):
        return False
    numerator, denominator = sympy.fraction(sympy.together(rational))
    return sympy.gcd(numerator, denominator).is_number


def reference_values(spacetime: str):
    """Closed forms: the Ricci components (None where they vanish) and the Kretschmann scalar.

    Kerr: :math:`K = 48M^2(r^2 - a^2c^2)(\\Sigma^2 - 16r^2a^2c^2)/\\Sigma^6` with
    :math:`c = \\cos\\theta`, :math:`\\Sigma = r^2 + a^2c^2`. FLRW, with
    :math:`R_{bd} = R^a{}_{bad}`: :math:`R_{tt} = -3\\ddot a/a`,
    :math:`R_{rr} = (a\\ddot a + 2\\dot a^2 + 2k)/(1 - kr^2)`,
    :math:`R_{\\theta\\theta} = r^2(a\\ddot a + 2\\dot a^2 + 2k)`,
    :math:`R_{\\phi\\phi} = R_{\\theta\\theta}\\sin^2\\theta`, and
    :math:`K = 12((\\ddot a/a)^2 + ((\\dot a^2 + k)/a^2)^2)`.
    """
    import sympy

    names = _symbols()
    t, r, theta, M, k = (names[key] for key in ("t", "r", "theta", "M", "k"))
    if spacetime == "schwarzschild":
        return None, 48 * M ** 2 / r ** 6
    if spacetime == "kerr":
        a = sympy.Symbol("a", positive=True)
        c2 = a ** 2 * sympy.cos(theta) ** 2
        sigma = r ** 2 + c2
        return None, 48 * M ** 2 * (r ** 2 - c2) * (sigma ** 2 - 16 * r ** 2 * c2) / sigma ** 6

    a = sympy.Function("a")(t)
    adot, addot = a.diff(t), a.diff(t, 2)
    angular = r ** 2 * (a * addot + 2 * adot ** 2 + 2 * k)
    ricci = sympy.zeros(4)
    ricci[0, 0] = -3 * addot / a
    ricci[1, 1] = (a * addot + 2 * adot ** 2 + 2 * k) / (1 - k * r ** 2)
    ricci[2, 2] = angular
    ricci[3, 3] = angular * sympy.sin(theta) ** 2
    kretschmann = 12 * ((addot / a) ** 2 + ((adot ** 2 + k) / a ** 2) ** 2)
    return list(ricci), kretschmann


def check_result(case: str, payload: dict) -> list[str]:
    """List why a finished result is wrong or not fully simplified (empty when it is both)."""
    spacetime, _ = _parse_case(case)
    if spacetime not in SPACETIMES:
        return []
    ricci_reference, kretschmann_reference = reference_values(spacetime)
    problems = []

    ricci = [_parse(text, spacetime) for text in payload["ricci"]]
    if ricci_reference is None:
        left = sum(1 for value in ricci if value != 0)
        if left:
            problems.append(f"{left} of 16 Ricci components are not literally 0")
    else:
        for index, (value, expected) in enumerate(zip(ricci, ricci_reference)):
            if not _equal(value, expected):
                problems.append(f"Ricci component {divmod(index, 4)} is wrong: {value}")
            elif value != 0 and not _is_reduced(value):
                problems.append(f"Ricci component {divmod(index, 4)} is not a reduced fraction")

    kretschmann = _parse(payload["kretschmann"], spacetime)
    if not _equal(kretschmann, kretschmann_reference):
        problems.append("Kretschmann scalar is wrong")
    elif spacetime == "schwarzschild" and kretschmann != kretschmann_reference:
        problems.append(f"Kretschmann scalar is {kretschmann}, not literally 48*M**2/r**6")
    elif not _is_reduced(kretschmann):
        problems.append("Kretschmann scalar is not a reduced fraction")
    return problems


# --------------------------------------------------------------------------- report


def _seconds(result: CaseResult | None, timeout: float) -> str:
    if result is None:
        return "skipped"
    if result.finished:
        return (f"{result.median_seconds:.3f} s "
                f"(Riemann+Ricci {result.median_riemann_ricci_seconds:.3f} s)")
    if result.failure == "timeout":
        return f"did not finish within {timeout:g} s"
    return f"failed: {result.failure}"


def _memory(result: CaseResult | None) -> str:
    if result is None or not result.runs:
        return "-"
    baseline = result.import_rss_mib
    after_import = f" (after import {baseline:.0f})" if baseline is not None else ""
    return f"{result.peak_rss_mib:.0f} MiB{after_import}"


def _simplified(result: CaseResult | None) -> str:
    if result is None or not result.finished:
        return "-"
    return "yes" if not result.problems else "NO: " + "; ".join(result.problems)


def print_comparison(results: dict, spacetimes: list[str], systems: list[str],
                     timeout: float) -> None:
    """Print, per spacetime and system, time, ratio, memory, Riemann count and the check."""
    print("\nRiemann, Ricci and Kretschmann: median time of fresh processes")
    for spacetime in spacetimes:
        base = results[("geomwork", spacetime)]
        print(f"\n{spacetime}")
        for system in systems:
            result = results.get((system, spacetime))
            ratio = "-"
            if system != "geomwork" and result and result.finished and base.finished:
                ratio = f"{result.median_seconds / base.median_seconds:.1f}x"
            nonzero = result.runs[-1].payload["riemann_nonzero"] if result and result.finished else "-"
            print(f"  {PEER_LABELS[system]:<11} time {_seconds(result, timeout):<44} "
                  f"ratio {ratio:<8} peak RSS {_memory(result):<28} "
                  f"nonzero R^a_bcd {nonzero!s:<4} simplified {_simplified(result)}")


def print_catalogue(results: dict, timeout: float) -> None:
    print("\ngeomwork on every catalogue metric (default parameters unless given)")
    for case, result in results.items():
        print(f"  {case:<16} {_seconds(result, timeout):<44} peak RSS {_memory(result)}")


def print_goals(comparison: dict, catalogue: dict) -> bool:
    """Print each goal with PASS or FAIL; return whether all passed."""
    base, sage = comparison.get(("geomwork", "kerr")), comparison.get(("sage", "kerr"))
    if base is None or sage is None or not (sage.finished and base.finished):
        kerr_line, kerr_ok = "SageMath's Kerr time is missing", False
    else:
        speedup = sage.median_seconds / base.median_seconds
        kerr_ok = speedup >= KERR_SPEEDUP_GOAL and not base.problems and not sage.problems
        kerr_line = f"{speedup:.1f}x"

    slow = [case for case, result in catalogue.items()
            if not result.finished or result.median_seconds >= CATALOGUE_SECONDS_GOAL]
    catalogue_ok = bool(catalogue) and not slow
    memory_ok = all(result.runs and result.peak_rss_mib > 0 for result in
                    list(comparison.values()) + list(catalogue.values()))

    print("\nGoals")
    print(f"  {'PASS' if kerr_ok else 'FAIL'}  Kerr at least {KERR_SPEEDUP_GOAL:g}x faster than "
          f"SageMath, both simplified: {kerr_line}")
    if not catalogue:
        catalogue_verdict = "SKIP"
    else:
        catalogue_verdict = "PASS" if catalogue_ok else "FAIL"
    print(f"  {catalogue_verdict}  every catalogue metric under {CATALOGUE_SECONDS_GOAL:g} s"
          + (f": too slow or failed: {', '.join(slow)}" if slow else ""))
    print(f"  {'PASS' if memory_ok else 'FAIL'}  peak memory reported for every case")
    return kerr_ok and catalogue_ok and memory_ok


# --------------------------------------------------------------------------- main


def _peer_python(requested: str | None) -> str | None:
    if requested:
        if not Path(requested).exists():
            raise SystemExit(f"--peer-python {requested!r} not found; pass the python of an "
                             "environment with einsteinpy and passagemath installed")
        return requested
    if DEFAULT_PEER_PYTHON.exists():
        return str(DEFAULT_PEER_PYTHON)
    print(f"No peer environment at {DEFAULT_PEER_PYTHON} and no --peer-python given: skipping "
          "EinsteinPy and SageMath (install einsteinpy passagemath-symbolics passagemath-maxima "
          "into a virtual environment and pass its python).")
    return None


def _catalogue_cases() -> list[str]:
    from geomwork.symbolic import catalogue_names

    return catalogue_names() + list(EXTRA_CATALOGUE_CASES)


def _parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh processes per case; the median time is reported (default 3)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds one process of one case may run before it is killed "
                             "(default 600)")
    parser.add_argument("--peer-python", default=None,
                        help="python of the environment with einsteinpy and passagemath "
                             f"(default {DEFAULT_PEER_PYTHON} if it exists)")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help=f"comma-separated peers to run (default {','.join(PEERS)})")
    parser.add_argument("--spacetimes", default=",".join(SPACETIMES),
                        help="comma-separated spacetimes to compare "
                             f"(default {','.join(SPACETIMES)})")
    parser.add_argument("--skip-catalogue", action="store_true",
                        help="do not time geomwork on the rest of the catalogue")
    parser.add_argument("--run-case", nargs=2, metavar=("SYSTEM", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = _parse_arguments(argv)
    if arguments.run_case:
        run_case_in_this_process(*arguments.run_case, arguments.result_file)
        return 0

    peer_python = _peer_python(arguments.peer_python)
    peers = [p for p in arguments.peers.split(",") if p] if peer_python else []
    unknown = sorted(set(peers) - set(PEERS))
    if unknown:
        raise SystemExit(f"unknown peer {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    spacetimes = [name for name in arguments.spacetimes.split(",") if name]
    unknown = sorted(set(spacetimes) - set(SPACETIMES))
    if unknown:
        raise SystemExit(f"unknown spacetime {', '.join(unknown)}; choose from "
                         f"{', '.join(SPACETIMES)}")
    repeats, timeout = arguments.repeats, arguments.timeout

    comparison = {}
    for spacetime in spacetimes:
        for system in ["geomwork"] + peers:
            python = sys.executable if system == "geomwork" else peer_python
            print(f"running {system} on {spacetime} ...", flush=True)
            comparison[(system, spacetime)] = measure(python, system, spacetime, repeats, timeout)

    catalogue = {}
    for case in [] if arguments.skip_catalogue else _catalogue_cases():
        name, _ = _parse_case(case)
        reused = comparison.get(("geomwork", case)) if name == case else None
        catalogue[case] = reused or measure(sys.executable, "geomwork", case, repeats, timeout)

    print_comparison(comparison, spacetimes, ["geomwork"] + peers, timeout)
    print_catalogue(catalogue, timeout)
    print_goals(comparison, catalogue)
    return 0


if __name__ == "__main__":
    sys.exit(main())
