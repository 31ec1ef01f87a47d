"""The ``geomwork`` command line."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from ._cli_lattice import lattice_app
from ._cli_run import register as _register_run

app = typer.Typer(
    help="geomwork: exact differential geometry, torch kernels and gauge-field flows.",
    no_args_is_help=True,
    add_completion=False,
)
derive_app = typer.Typer(help="Derive geometric quantities exactly and print them.",
                         no_args_is_help=True)
app.add_typer(derive_app, name="derive")
app.add_typer(lattice_app, name="lattice")
_register_run(app)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"geomwork {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version_callback, is_eager=True,
        help="Print the geomwork version and exit."),
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True,
        help="Log progress to stderr: -v for INFO, -vv for DEBUG."),
) -> None:
    """geomwork: exact differential geometry, torch kernels and gauge-field flows."""
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = levels.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("geomwork").setLevel(level)


_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.+\-*/^() ]+$")


def _parse_parameters(pairs: list[str], option: str = "--param") -> dict[str, str]:
    """Split NAME=VALUE pairs, rejecting repeats and values that are not plain expressions."""
    parameters = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r} (e.g. {option} M=1)",
                                     param_hint=option)
        if not _SAFE_VALUE.match(value) or "__" in value or "=" in value:
            raise typer.BadParameter(
                f"value of {name} is invalid: {value!r}; give a number or an expression in "
                "numbers and names, such as 1/2 or 2*M", param_hint=option)
        if name in parameters:
            raise typer.BadParameter(f"{name} is given twice ({parameters[name]!r} and {value!r}); "
                                     "give it once", param_hint=option)
        parameters[name] = value
    return parameters


@derive_app.command("curvature")
def derive_curvature(
    metric: str = typer.Option(..., "--metric", "-m",
                               help="Catalogue metric: euclidean, minkowski, sphere, hyperbolic, "
                                    "schwarzschild, kerr or flrw."),
    param: list[str] = typer.Option([], "--param", "-p",
                                    help="Set a parameter, NAME=VALUE (repeatable), e.g. n=3 or M=1; "
                                         "parameters left out stay symbolic."),
    latex: bool = typer.Option(False, "--latex", help="Print LaTeX instead of plain text."),
) -> None:
    """Print the non-zero independent curvature components and scalars of a catalogue metric."""
    from .symbolic import catalogue_metric, curvature_report

    parameters = _parse_parameters(param)
    try:
        g = catalogue_metric(metric, **parameters)
    except KeyError as error:
        raise typer.BadParameter(error.args[0], param_hint="--metric") from None
    except (TypeError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--param") from None
    start = time.perf_counter()
    text = curvature_report(g, latex=latex)
    elapsed = time.perf_counter() - start
    typer.echo(text)
    logging.getLogger("geomwork.cli").info("derived the curvature of %s in %.2f s", metric, elapsed)


@derive_app.command("gauge")
def derive_gauge(
    connection: str = typer.Option(..., "--connection", "-c",
                                   help="Catalogue gauge field: bpst, thooft, dirac or wu-yang."),
    group: Optional[str] = typer.Option(None, "--group", "-g",
                                        help="Expected structure group (su2, u1, ...); checked "
                                             "against the field's own group."),
    param: list[str] = typer.Option([], "--param", "-p",
                                    help="Set a parameter, NAME=VALUE (repeatable), e.g. rho=1."),
    latex: bool = typer.Option(False, "--latex", help="Print LaTeX instead of plain text."),
) -> None:
    """Print F, the action density, the self-duality verdict, the action and the instanton number."""
    from .symbolic import gauge_field, gauge_report, lie_algebra

    parameters = _parse_parameters(param)
    try:
        field = gauge_field(connection, **parameters)
    except KeyError as error:
        raise typer.BadParameter(error.args[0], param_hint="--connection") from None
    except (TypeError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--param") from None
    if group is not None:
        try:
            expected = lie_algebra(group).name
        except KeyError as error:
            raise typer.BadParameter(error.args[0], param_hint="--group") from None
        if expected != field.algebra.name:
            raise typer.BadParameter(
                f"gauge field {connection!r} has structure algebra {field.algebra.name}, not "
                f"{expected}; drop --group or pass --group {field.algebra.name.replace('(', '').replace(')', '')}",
                param_hint="--group")
    typer.echo(gauge_report(field, latex=latex))


def _check_module_path(output: Path) -> None:
    """Reject an output path that is a folder, sits in a missing folder or cannot be imported."""
    if output.is_dir():
        raise typer.BadParameter(f"{output} is a folder; give a file name such as "
                                 f"{output / 'kernels.py'}", param_hint="--output")
    if not output.parent.is_dir():
        raise typer.BadParameter(f"folder {output.parent} does not exist; create it first",
                                 param_hint="--output")
    if output.suffix != ".py" or not output.stem.isidentifier():
        raise typer.BadParameter(f"{output.name} cannot be imported as a Python module; use a name "
                                 "such as kernels.py (letters, digits and _)", param_hint="--output")


@app.command("codegen")
def codegen(
    connection: str = typer.Option(..., "--connection", "-c",
                                   help="Catalogue gauge field: bpst, thooft, dirac or wu-yang."),
    quantity: str = typer.Option("action-density", "--quantity", "-q",
                                 help="potential, field-strength, action-density or "
                                      "instanton-density."),
    output: Path = typer.Option(..., "--output", "-o",
                                help="Path of the Python module to write (e.g. kernels.py)."),
    default: list[str] = typer.Option([], "--default", "-d",
                                      help="Default value of a kernel parameter, NAME=NUMBER "
                                           "(repeatable), e.g. rho=1.0."),
) -> None:
    """Write a standalone torch module that evaluates a gauge-field quantity on batches of points."""
    from .codegen import FIELD_QUANTITIES, connection_kernel
    from .symbolic import gauge_field

    if quantity not in FIELD_QUANTITIES:
        raise typer.BadParameter(f"unknown quantity {quantity!r}; choose one of "
                                 f"{', '.join(FIELD_QUANTITIES)}", param_hint="--quantity")
    _check_module_path(output)
    defaults = {}
    for name, value in _parse_parameters(default, "--default").items():
        try:
            defaults[name] = float(value)
        except ValueError:
            raise typer.BadParameter(f"default of {name} must be a number, got {value!r}",
                                     param_hint="--default") from None
    try:
        field = gauge_field(connection)
    except KeyError as error:
        raise typer.BadParameter(error.args[0], param_hint="--connection") from None
    if quantity == "instanton-density" and field.chart.dim != 4:
        raise typer.BadParameter(f"the instanton density needs a 4-dimensional base; {connection} "
                                 f"lives on {field.chart.dim} dimensions", param_hint="--quantity")
    names = sorted(str(s) for s in field.free_parameters())
    unknown = sorted(set(defaults) - set(names))
    if unknown:
        raise typer.BadParameter(f"{connection} has no parameter {', '.join(unknown)}; its "
                                 f"parameters are: {', '.join(names) or 'none'}",
                                 param_hint="--default")
    kernel = connection_kernel(field, quantity, defaults=defaults, use_cache=False)
    temporary = output.with_name(f".{output.name}.tmp")
    try:
        temporary.write_text(kernel.source, encoding="utf-8")
        temporary.replace(output)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise typer.BadParameter(f"cannot write {output}: {error.strerror}",
                                 param_hint="--output") from None
    parameters = ", ".join(kernel.plan.parameters) or "none"
    typer.echo(f"wrote {output}: function {kernel.plan.name}(x, *, {parameters}) with x of shape "
               f"(..., {field.chart.dim}) in the coordinates "
               f"{', '.join(str(c) for c in field.chart.coordinates)}")


if __name__ == "__main__":  # pragma: no cover
    app()
