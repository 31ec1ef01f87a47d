"""Benchmark exact Yang–Mills derivations against SageMath's manifolds.

For two connections on :math:`\\mathbb{R}^4` with the Euclidean metric, both
systems derive, in this order:

1. the curvature :math:`F = dA + A\\wedge A` (a matrix of 2-forms),
2. its Hodge dual :math:`\\star F`,
3. the action density :math:`-\\operatorname{tr}(F\\wedge\\star F)/d^4x
   = \\tfrac14 F^a{}_{\\mu\\nu}F^a{}_{\\mu\\nu}`, fully simplified,
4. the self-duality check :math:`F = \\star F`,
5. for BPST only, the exact action :math:`\\int -\\operatorname{tr}(F\\wedge\\star F)
   = 8\\pi^2`, by pulling the 4-form back to hyperspherical coordinates and
   integrating over :math:`r, \\chi_1, \\chi_2, \\phi`.

The cases are

* ``bpst``: the SU(2) BPST instanton in regular gauge with symbolic size
  :math:`\\rho > 0`, as built by :func:`geomwork.symbolic.bpst`;
* ``su3-polynomial``: an su(3) connection whose 32 components
  :math:`A^a{}_\\mu` are seeded random polynomials in x1..x4 with integer
  coefficients (``--degree``, ``--terms``, ``--seed``). Such a field has
  infinite action, so this case stops after the self-duality check.

Both systems start from the same text: the components :math:`A^a{}_\\mu` and
the generators :math:`T_a` of geomwork's su(2) and su(3), written out by this
process. geomwork builds its ``Connection`` from them (BPST through ``bpst()``,
which yields the same components). SageMath builds a complex vector bundle over
the chart with a bundle connection whose connection 1-forms are the matrix
entries of :math:`A = A^a{}_\\mu T_a dx^\\mu`. It then uses ``curvature_form``,
``hodge_dual``, ``wedge`` and ``DiffMap.pullback``, and its components go
through Sage's default simplification chain as they are computed.

Each repeat of each case runs in a fresh Python process, so no cache survives
between repeats. The time is measured inside that process, after the imports,
from parsing the text to the last result; the CPU time of the process over the
same span is reported beside it, because on a shared machine the wall time also
counts waiting for a core. Peak memory is the process's maximum resident set
size from ``os.wait4``, so it includes the interpreter and the imported
libraries, whose share is printed beside it.

Every finished result is checked here: the density against geomwork's, and for
BPST against :math:`48\\rho^4/(x^2+\\rho^2)^4`; the density must be a reduced
fraction; both systems must agree on self-duality (BPST is self-dual); the
action must be literally :math:`8\\pi^2`.

SageMath runs in a separate Python environment given by ``--peer-python``
(passagemath-symbolics and passagemath-maxima installed there). This file is
also the driver run inside each subprocess (``--run-case``), so it imports
nothing but the standard library at module level.

Usage::

    python benchmarks/symbolic_gauge.py [--repeats 3] [--timeout 600]
        [--peer-python /work/bench-venv/bin/python] [--cases bpst,su3-polynomial]
        [--seed 0] [--degree 2] [--terms 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _processes import run_child  # benchmarks/ is on sys.path when a script runs

CASES = ("bpst", "su3-polynomial")
SYSTEMS = ("geomwork", "sage")
SYSTEM_LABELS = {"geomwork": "geomwork", "sage": "SageMath"}
STAGES = ("connection", "curvature", "hodge", "density", "self_dual", "action")
DEFAULT_PEER_PYTHON = Path("/work/bench-venv/bin/python")
COORDINATES = ("x1", "x2", "x3", "x4")

BPST_SECONDS_GOAL = 1.0


# --------------------------------------------------------------------------- case specification
# The parent process writes one JSON specification per case, and both drivers
# read it, so geomwork and SageMath start from the same component text.


def random_polynomial_components(seed: int, degree: int, terms: int, rows: int) -> list:
    """Draw ``rows`` x 4 polynomials in x1..x4 as sympy expressions.

    Each polynomial has ``terms`` distinct monomials of total degree at most
    ``degree``, with coefficients drawn from {-3, ..., 3} without 0.
    """
    import random

    import sympy
    from sympy.polys.monomials import itermonomials
    from sympy.polys.orderings import monomial_key

    generator = random.Random(seed)
    coordinates = sympy.symbols(" ".join(COORDINATES), real=True)
    monomials = sorted(itermonomials(coordinates, degree), key=monomial_key("grlex", coordinates))
    if terms > len(monomials):
        raise SystemExit(f"--terms {terms} exceeds the {len(monomials)} monomials of degree at "
                         f"most {degree} in 4 variables; lower --terms or raise --degree")
    coefficients = [-3, -2, -1, 1, 2, 3]
    return [[sum(generator.choice(coefficients) * monomial
                 for monomial in generator.sample(monomials, terms))
             for _ in COORDINATES] for _ in range(rows)]


def case_specification(case: str, seed: int, degree: int, terms: int) -> dict:
    """Write out the generators and components of one case as text, with its options."""
    from geomwork.symbolic import bpst, su

    if case == "bpst":
        connection = bpst()
        algebra = connection.algebra
        components = [[value.expr for value in row] for row in connection.components]
    else:
        algebra = su(3)
        components = random_polynomial_components(seed, degree, terms, algebra.dim)

    return {
        "case": case,
        "coordinates": list(COORDINATES),
        "positive": ["rho"] if case == "bpst" else [],
        "generators": [[[str(entry) for entry in row] for row in generator.tolist()]
                       for generator in algebra.basis],
        "components": [[str(value) for value in row] for row in components],
        "exact_action": case == "bpst",
    }


# --------------------------------------------------------------------------- drivers
# Each driver runs inside a fresh subprocess. It records the wall time of each
# stage in ``stages`` as it goes (the parent reads them even after a timeout)
# and returns the results as sympy strings.


class StageClock:
    """Wall-clock time of consecutive stages, written to a file after each one."""

    def __init__(self, progress_file: str | None):
        self.progress_file = progress_file
        self.stages: dict[str, float] = {}
        self.start = self._last = time.perf_counter()
        self.cpu_start = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = now - self._last
        self._last = now
        if self.progress_file:
            Path(self.progress_file).write_text(json.dumps(self.stages))

    def totals(self) -> dict:
        return {"seconds": time.perf_counter() - self.start,
                "cpu_seconds": time.process_time() - self.cpu_start,
                "stages": self.stages}


def _drive_geomwork(spec: dict, clock: StageClock) -> dict:
    import sympy

    from geomwork.symbolic import Chart, Connection, bpst, integrate_over_space, su
    from geomwork.symbolic._gauge import euclidean_metric

    if spec["case"] == "bpst":
        connection = bpst()
    else:
        chart = Chart(" ".join(spec["coordinates"]))
        names = dict(zip(spec["coordinates"], chart.coordinates))
        components = [[sympy.sympify(text, locals=names) for text in row]
                      for row in spec["components"]]
        connection = Connection(su(3), chart, components)
    metric = euclidean_metric(connection.chart)
    clock.lap("connection")

    curvature = connection.curvature
    clock.lap("curvature")
    curvature.hodge(metric)
    clock.lap("hodge")
    density = connection.action_density(metric).expr
    clock.lap("density")
    self_dual = connection.is_self_dual(metric)
    clock.lap("self_dual")
    action = None
    if spec["exact_action"]:
        action = integrate_over_space(connection.action_form(metric))
        clock.lap("action")

    return {"density": str(density), "self_dual": self_dual,
            "action": None if action is None else str(action)}


def _sage_connection(spec: dict):
    """Build R^4, its Euclidean metric and the bundle connection of ``spec`` in Sage."""
    from sage.all__sagemath_symbolics import SR, Manifold, assume, matrix

    manifold = Manifold(4, "R4", structure="Riemannian")
    chart = manifold.chart(" ".join(spec["coordinates"]))
    metric = manifold.metric("g")
    for mu in range(4):
        metric[mu, mu] = 1

    # SR parses sympy's text (**, I, sqrt) and identifies symbols by name, so x1 in
    # the text is the chart's coordinate x1.
    for name in spec["positive"]:
        assume(SR.var(name) > 0)
    components = [[SR(text) for text in row] for row in spec["components"]]
    generators = [matrix(SR, [[SR(text) for text in row] for row in generator])
                  for generator in spec["generators"]]

    # Sage's connection form (i, j) is omega^j_i with nabla e_i = e_j (x) omega^j_i, so the
    # matrix A_{ji} goes there; then curvature_form(j, i) is F_{ij} = (dA + A^A)_{ij}.
    size = generators[0].nrows()
    bundle = manifold.vector_bundle(size, "E", field="complex")
    frame = bundle.local_frame("e")
    nabla = bundle.bundle_connection("nabla")
    for i in range(size):
        for j in range(size):
            nabla.add_connection_form(i, j, frame)[:] = [
                sum(row[mu] * generator[j, i] for row, generator in zip(components, generators))
                for mu in range(4)]
    return manifold, chart, metric, nabla, frame, size


def _sage_action(manifold, chart, action_form):
    """Integrate a top form on the Cartesian chart over R^4 in hyperspherical coordinates."""
    from sage.all__sagemath_symbolics import Manifold, cos, integrate, oo, pi, sin

    ball = Manifold(4, "S", structure="differentiable")
    spherical = ball.chart(r"r:(0,+oo) chi1:(0,pi) chi2:(0,pi) phi:(0,2*pi)")
    r, chi1, chi2, phi = spherical[:]
    embedding = ball.diff_map(manifold, {(spherical, chart): [
        r * cos(chi1), r * sin(chi1) * cos(chi2), r * sin(chi1) * sin(chi2) * cos(phi),
        r * sin(chi1) * sin(chi2) * sin(phi)]})

    # The map's orientation relative to dx1^...^dx4, read off at one interior point.
    volume = manifold.diff_form(4)
    volume[0, 1, 2, 3] = 1
    jacobian = embedding.pullback(volume)[0, 1, 2, 3].expr()
    orientation = 1 if jacobian.subs(r=1, chi1=pi / 2, chi2=pi / 2, phi=pi / 4) > 0 else -1

    integrand = embedding.pullback(action_form)[0, 1, 2, 3].expr()
    for variable, lower, upper in ((phi, 0, 2 * pi), (chi2, 0, pi), (chi1, 0, pi), (r, 0, oo)):
        integrand = integrate(integrand, variable, lower, upper)
    return (orientation * integrand).simplify_full()


def _drive_sage(spec: dict, clock: StageClock) -> dict:
    manifold, chart, metric, nabla, frame, size = _sage_connection(spec)
    indices = range(size)
    clock.lap("connection")

    # F[i][j] = F_{ij}; asking for all components forces the lazy forms.
    curvature = [[nabla.curvature_form(j, i, frame) for j in indices] for i in indices]
    for row in curvature:
        for entry in row:
            entry[:]
    clock.lap("curvature")
    dual = [[entry.hodge_dual(metric) for entry in row] for row in curvature]
    for row in dual:
        for entry in row:
            entry[:]
    clock.lap("hodge")
    action_form = -sum(curvature[i][j].wedge(dual[j][i]) for i in indices for j in indices)
    density = action_form[0, 1, 2, 3].expr().simplify_full()
    clock.lap("density")
    self_dual = all(curvature[i][j] == dual[i][j] for i in indices for j in indices)
    clock.lap("self_dual")
    action = None
    if spec["exact_action"]:
        action = _sage_action(manifold, chart, action_form)
        clock.lap("action")

    return {"density": str(density._sympy_()), "self_dual": bool(self_dual),
            "action": None if action is None else str(action._sympy_())}


DRIVERS = {"geomwork": _drive_geomwork, "sage": _drive_sage}
DRIVER_IMPORTS = {"geomwork": "geomwork.symbolic", "sage": "sage.all__sagemath_symbolics"}


def _versions(system: str) -> dict:
    from importlib.metadata import version

    packages = {"geomwork": ("geomwork", "sympy"), "sage": ("passagemath-symbolics", "sympy")}
    return {package: version(package) for package in packages[system]}


def run_case_in_this_process(system: str, spec_file: str, result_file: str,
                             progress_file: str) -> None:
    """Import the system, run its driver on one case and write the result as JSON."""
    import importlib
    import resource

    spec = json.loads(Path(spec_file).read_text())
    module = importlib.import_module(DRIVER_IMPORTS[system])
    if system == "sage":
        # Sage starts its Maxima library on the first simplification; do that
        # here so that the timed part is the computation alone.
        module.SR.var("x").simplify_full()
    import_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    clock = StageClock(progress_file)
    result = DRIVERS[system](spec, clock)
    result.update(clock.totals())
    result["import_rss_kib"] = import_rss_kib
    result["versions"] = _versions(system)
    Path(result_file).write_text(json.dumps(result))


# --------------------------------------------------------------------------- subprocesses


@dataclass
class Run:
    """Outcome of one repeat of one case, run in its own process."""

    seconds: float | None = None
    peak_rss_kib: int = 0
    payload: dict | None = None
    stages: dict = field(default_factory=dict)  # stage -> seconds, as far as the run got
    failure: str | None = None  # "timeout" or the error's last line


def run_subprocess(python: str, system: str, spec_file: Path, timeout: float) -> Run:
    """Run one case in a fresh ``python`` process, killing it after ``timeout`` seconds."""
    with tempfile.TemporaryDirectory(prefix="geomwork-bench-") as folder:
        result_file = Path(folder) / "result.json"
        progress_file = Path(folder) / "progress.json"
        log_file = Path(folder) / "stderr.txt"
        command = [python, os.path.abspath(__file__), "--run-case", system, str(spec_file),
                   "--result-file", str(result_file), "--progress-file", str(progress_file)]
        failure, peak = run_child(command, log_file, result_file, timeout)
        run = Run(peak_rss_kib=peak, failure=failure)
        if progress_file.exists():
            run.stages = json.loads(progress_file.read_text())

        if failure is None:
            run.payload = json.loads(result_file.read_text())
            run.seconds = run.payload["seconds"]
            run.stages = run.payload["stages"]
        return run


@dataclass
class CaseResult:
    """Outcomes of all repeats of one system on one case."""

    system: str
    case: str
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return bool(self.runs) and all(run.failure is None for run in self.runs)

    def median(self, key: str) -> float | None:
        """Median over the runs of a payload number (``seconds``, ``cpu_seconds``)."""
        if not self.finished:
            return None
        return statistics.median(run.payload[key] for run in self.runs)

    def median_stage(self, stage: str) -> float | None:
        values = [run.stages[stage] for run in self.runs if stage in run.stages]
        return statistics.median(values) if values else None

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

    @property
    def payload(self) -> dict | None:
        return self.runs[-1].payload if self.finished else None


def measure(python: str, system: str, case: str, spec_file: Path, repeats: int,
            timeout: float) -> CaseResult:
    """Run ``repeats`` fresh processes; stop after the first one that fails or times out."""
    result = CaseResult(system, case)
    for _ in range(repeats):
        run = run_subprocess(python, system, spec_file, timeout)
        result.runs.append(run)
        if run.failure:
            break
    return result


# --------------------------------------------------------------------------- checks


def _symbols() -> dict:
    import sympy

    names = {name: sympy.Symbol(name, real=True) for name in COORDINATES}
    names["rho"] = sympy.Symbol("rho", positive=True)
    return names


def _parse(text: str):
    import sympy

    return sympy.sympify(text, locals=_symbols())


def _is_reduced(expression) -> bool:
    """True when, brought over a common denominator, no polynomial factor cancels."""
    import sympy

    numerator, denominator = sympy.fraction(sympy.together(expression))
    return sympy.gcd(numerator, denominator).is_number


def bpst_density():
    """Return :math:`48\\rho^4/(x^2+\\rho^2)^4`, the BPST action density :math:`F^aF^a/4`."""
    names = _symbols()
    square = sum(names[name] ** 2 for name in COORDINATES)
    return 48 * names["rho"] ** 4 / (square + names["rho"] ** 2) ** 4


def check_results(case: str, results: dict[str, CaseResult]) -> None:
    """Fill ``problems`` of each finished result: wrong, unsimplified or disagreeing values."""
    import sympy

    reference = results.get("geomwork")
    reference_density = (bpst_density() if case == "bpst" else
                         _parse(reference.payload["density"]) if reference and reference.finished
                         else None)
    for result in results.values():
        if not result.finished:
            continue
        payload = result.payload
        density = _parse(payload["density"])
        if reference_density is not None and sympy.cancel(density - reference_density) != 0:
            result.problems.append("density differs from "
                                   + ("48 rho^4/(x^2+rho^2)^4" if case == "bpst" else "geomwork's"))
        elif not _is_reduced(density):
            result.problems.append("density is not a reduced fraction")

        if case == "bpst" and not payload["self_dual"]:
            result.problems.append("BPST reported not self-dual")
        if reference and reference.finished and payload["self_dual"] != reference.payload["self_dual"]:
            result.problems.append("self-duality verdict differs from geomwork's")

        if payload["action"] is not None:
            action = _parse(payload["action"])
            if action != 8 * sympy.pi ** 2:
                result.problems.append(f"action is {action}, not literally 8*pi**2")


# --------------------------------------------------------------------------- report


def _format_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _total(result: CaseResult | None, timeout: float) -> str:
    if result is None:
        return "skipped"
    if result.finished:
        return f"{result.median('seconds'):.3f} s (CPU {result.median('cpu_seconds'):.3f} s)"
    reached = ", ".join(result.runs[-1].stages) or "nothing"
    if result.failure == "timeout":
        return f"did not finish within {timeout:g} s (done: {reached})"
    return f"failed after {reached}: {result.failure}"


def _memory(result: CaseResult | None) -> str:
    if result is None or not result.runs:
        return "-"
    baseline = result.import_rss_mib
    after_import = f" (after import {baseline:.0f})" if baseline is not None else ""
    return f"{result.peak_rss_mib:.0f} MiB{after_import}"


def _ratio(result: CaseResult | None, base: CaseResult | None, timeout: float) -> str:
    if result is None or base is None or not base.finished:
        return "-"
    if result.finished:
        return f"{result.median('seconds') / base.median('seconds'):.1f}x"
    if result.failure == "timeout":
        return f">{timeout / base.median('seconds'):.0f}x"
    return "-"


def _checked(result: CaseResult | None) -> str:
    if result is None or not result.finished:
        return "-"
    return "ok" if not result.problems else "NO: " + "; ".join(result.problems)


def print_comparison(results: dict, cases: list[str], systems: list[str], timeout: float) -> None:
    """Print per case and system: stage times, total, ratio, memory and the check."""
    print("\nMedian over fresh processes; wall seconds per stage, ratio = SageMath / geomwork")
    for case in cases:
        base = results.get(("geomwork", case))
        print(f"\n{case}")
        header = "".join(f"{stage:>11}" for stage in STAGES)
        print(f"  {'':<10}{header}")
        for system in systems:
            result = results.get((system, case))
            if result is None:
                continue
            row = "".join(f"{_format_seconds(result.median_stage(stage)):>11}" for stage in STAGES)
            print(f"  {SYSTEM_LABELS[system]:<10}{row}")
        for system in systems:
            result = results.get((system, case))
            if result is None:
                continue
            ratio = _ratio(result, base, timeout) if system != "geomwork" else "-"
            print(f"  {SYSTEM_LABELS[system]:<10} total {_total(result, timeout):<40} "
                  f"ratio {ratio:<7} peak RSS {_memory(result):<26} check {_checked(result)}")
            if result.finished:
                payload = result.payload
                action = f", action {payload['action']}" if payload["action"] is not None else ""
                print(f"  {'':<10} self-dual {payload['self_dual']}{action}")


def print_goals(results: dict) -> bool:
    """Print each goal with PASS or FAIL; return whether all passed."""
    print("\nGoals")
    bpst = results.get(("geomwork", "bpst"))
    if bpst is None:
        print("  SKIP  the BPST chain under 1 second: bpst not run")
        bpst_ok = True
    else:
        bpst_ok = bpst.finished and not bpst.problems and bpst.median("seconds") < BPST_SECONDS_GOAL
        measured = f"{bpst.median('seconds'):.3f} s" if bpst.finished else "did not finish"
        print(f"  {'PASS' if bpst_ok else 'FAIL'}  the BPST chain under "
              f"{BPST_SECONDS_GOAL:g} second: {measured}")

    all_ok = bpst_ok
    for (system, case), sage in results.items():
        if system != "sage":
            continue
        base = results[("geomwork", case)]
        if not base.finished or base.problems:
            verdict, detail = "FAIL", "geomwork failed or gave a wrong result"
        elif sage.finished:
            ratio = sage.median("seconds") / base.median("seconds")
            verdict = "PASS" if ratio > 1 else "FAIL"
            detail = f"SageMath / geomwork = {ratio:.1f}"
        elif sage.failure == "timeout":
            verdict, detail = "PASS", "SageMath did not finish within the timeout"
        else:
            verdict, detail = "FAIL", f"SageMath failed ({sage.failure}), no comparison"
        all_ok = all_ok and verdict == "PASS"
        print(f"  {verdict}  faster than SageMath on {case}: {detail}")
    return all_ok


def print_machine(results: dict) -> None:
    """Print the CPU, core count, Python and package versions behind the numbers."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    print(f"machine: {os.cpu_count()} logical CPUs, {model}, Python {platform.python_version()}, "
          f"load average {', '.join(f'{value:.1f}' for value in os.getloadavg())}")
    versions = {}
    for result in results.values():
        if result.payload:
            versions.update(result.payload["versions"])
    if versions:
        print("versions: " + ", ".join(f"{name} {number}" for name, number in sorted(versions.items())))


# --------------------------------------------------------------------------- main


def _peer_python(requested: str | None) -> str | None:
    if requested:
        if not Path(requested).exists():
            raise SystemExit(f"--peer-python {requested!r} not found; pass the python of an "
                             "environment with passagemath-symbolics and passagemath-maxima")
        return requested
    if DEFAULT_PEER_PYTHON.exists():
        return str(DEFAULT_PEER_PYTHON)
    print(f"No peer environment at {DEFAULT_PEER_PYTHON} and no --peer-python given: skipping "
          "SageMath (install passagemath-symbolics and passagemath-maxima into a virtual "
          "environment and pass its python).")
    return None


def _parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh processes per case; the median time is reported (default 3)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds one process of one case may run before it is killed "
                             "(default 600)")
    parser.add_argument("--peer-python", default=None,
                        help="python of the environment with passagemath "
                             f"(default {DEFAULT_PEER_PYTHON} if it exists)")
    parser.add_argument("--no-sage", action="store_true", help="time geomwork alone")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated cases to run (default {','.join(CASES)})")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the su3-polynomial components (default 0)")
    parser.add_argument("--degree", type=int, default=2,
                        help="maximum total degree of the su3-polynomial components (default 2)")
    parser.add_argument("--terms", type=int, default=4,
                        help="monomials per su3-polynomial component (default 4)")
    parser.add_argument("--run-case", nargs=2, metavar=("SYSTEM", "SPEC_FILE"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--progress-file", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = _parse_arguments(argv)
    if arguments.run_case:
        run_case_in_this_process(*arguments.run_case, arguments.result_file,
                                 arguments.progress_file)
        return 0

    peer_python = None if arguments.no_sage else _peer_python(arguments.peer_python)
    systems = ["geomwork"] + (["sage"] if peer_python else [])
    cases = [name for name in arguments.cases.split(",") if name]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown case {', '.join(unknown)}; choose from {', '.join(CASES)}")
    print(f"su3-polynomial components: seed {arguments.seed}, degree <= {arguments.degree}, "
          f"{arguments.terms} monomials each")

    results = {}
    with tempfile.TemporaryDirectory(prefix="geomwork-gauge-spec-") as folder:
        for case in cases:
            spec_file = Path(folder) / f"{case}.json"
            spec = case_specification(case, arguments.seed, arguments.degree, arguments.terms)
            spec_file.write_text(json.dumps(spec))
            for system in systems:
                python = sys.executable if system == "geomwork" else peer_python
                print(f"running {system} on {case} ...", flush=True)
                results[(system, case)] = measure(python, system, case, spec_file,
                                                  arguments.repeats, arguments.timeout)
            check_results(case, {system: results[(system, case)] for system in systems})

    print()
    print_machine(results)
    print_comparison(results, cases, systems, arguments.timeout)
    print_goals(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
