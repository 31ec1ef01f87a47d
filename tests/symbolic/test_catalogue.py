"""The metric catalogue: every entry builds, and bad names or parameters are explained."""

import pytest
import sympy

from geomwork.symbolic import CATALOGUE, catalogue_metric, catalogue_names


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_entry_builds_with_defaults(name):
    metric = catalogue_metric(name)
    assert metric.dim == len(metric.chart.coordinates)
    assert not metric.det.is_zero


def test_names_are_case_insensitive():
    assert catalogue_metric("Schwarzschild").dim == 4


def test_numeric_parameter_is_substituted():
    metric = catalogue_metric("schwarzschild", M=1)
    r = metric.chart.coordinates[1]
    assert metric.kretschmann_element == metric.chart.scalar(48 / r ** 6)


def test_string_parameter_is_sympified():
    assert catalogue_metric("sphere", n=2, a="3").ricci_scalar == sympy.Rational(2, 9)


def test_flrw_with_flat_slices():
    metric = catalogue_metric("flrw", k=0)
    assert metric.components[1][1] == metric.components[2][2] / metric.chart.coordinates[1] ** 2


def test_unknown_name_lists_known_ones():
    with pytest.raises(KeyError, match=r"unknown catalogue metric 'torus'.*kerr"):
        catalogue_metric("torus")


def test_unknown_parameter_lists_allowed_ones():
    with pytest.raises(TypeError, match=r"'kerr' has no parameter 'J'; its parameters are: M, a"):
        catalogue_metric("kerr", J=1)


@pytest.mark.parametrize("n", [0, "x", sympy.Rational(3, 2)])
def test_bad_dimension_is_rejected(n):
    with pytest.raises(ValueError, match="dimension n must be an integer"):
        catalogue_metric("sphere", n=n)


def test_names_listing_is_sorted():
    assert catalogue_names() == sorted(catalogue_names())


def test_symbolic_layer_imports_without_torch():
    """The symbolic layer never imports torch."""
    import subprocess
    import sys

    script = "import sys, geomwork.symbolic; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
