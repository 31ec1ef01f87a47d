"""End-to-end jobs composed from the layers: the study behind ``geomwork run``.

A study runs up to three parts and writes one folder:

- ``instanton``: derive the BPST instanton and verify it exactly (self-duality, action 8π²/g²,
  instanton number 1), generate its torch kernels, put it on a lattice, add thermal noise by
  heat-bath sweeps, Wilson-flow it and draw its action and charge densities and Gram ellipsoids;
- ``attention``: train an ensemble of digit classifiers and run moduli attention on it (islands,
  synchronisation, readout, Yang–Mills relaxation), with island and digit ellipsoids;
- ``ricci``: Ricci-flow a sphere of revolution to extinction and animate it.

>>> from geomwork.studies import default_study, run_study
>>> config = default_study(["ricci"], [("ricci", "points", 24)])
>>> result = run_study(config, "ricci-run")  # doctest: +SKIP
"""

from ._config import (PARTS, SETTINGS, Setting, StudyConfig, StudyError, default_study, describe_settings,
                      load_study, parse_override, study_to_toml)

# The runner imports torch, h5py and the layers; the settings do not, so that `geomwork --help`
# and study-file checks start quickly.
_RUN_NAMES = ("StudyResult", "check_output_folder", "run_study")


def __getattr__(name: str):
    if name in _RUN_NAMES:
        from . import _run

        return getattr(_run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__: list[str] = [
    "PARTS",
    "SETTINGS",
    "Setting",
    "StudyConfig",
    "StudyError",
    "StudyResult",
    "check_output_folder",
    "default_study",
    "describe_settings",
    "load_study",
    "parse_override",
    "run_study",
    "study_to_toml",
]
