"""Study settings: the keys a study file may set, their defaults, and the checks on their values.

A study file is TOML with one table per part::

    [study]
    parts = ["instanton", "attention"]
    seed = 1

    [instanton]
    lattice = [8, 8, 8, 8]
    flow_time = 1.0

Every key is optional; a key left out takes its default.  :func:`load_study` checks the whole
file before any work starts and raises :class:`StudyError` naming the key, the value given and
the values allowed.
"""

from __future__ import annotations

import math
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "PARTS",
    "SETTINGS",
    "Setting",
    "StudyConfig",
    "StudyError",
    "default_study",
    "describe_settings",
    "load_study",
    "parse_override",
    "study_to_toml",
]

PARTS = ("instanton", "attention", "ricci")


class StudyError(ValueError):
    """A study file or override that cannot be run; the message names the key, value and fix."""


@dataclass(frozen=True)
class Setting:
    """One key of a study file.

    ``kind`` is ``"int"``, ``"float"``, ``"str"``, ``"ints"`` (a list of integers) or ``"strs"``
    (a list of strings).  ``choices`` restricts strings (and the items of ``"strs"``),
    ``minimum`` and ``maximum`` bound numbers (and the items of ``"ints"``), ``length`` fixes the
    length of a list, ``even`` requires even integers and ``auto`` also allows the string
    ``"auto"``.  ``allowed`` overrides the generated description of the allowed values.
    """

    section: str
    name: str
    default: Any
    help: str
    kind: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    length: int | None = None
    even: bool = False
    auto: bool = False
    allowed: str | None = None

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    def describe_allowed(self) -> str:
        """Return a phrase for the values this key takes, as shown in errors and ``--help``."""
        if self.allowed is not None:
            return self.allowed
        if self.choices is not None:
            listed = ", ".join(f'"{choice}"' for choice in self.choices)
            if self.kind == "strs":
                return f"a non-empty list of distinct names from {listed}"
            return listed
        if self.kind in ("int", "float", "ints"):
            noun = {"int": "an integer", "float": "a number", "ints": "integers"}[self.kind]
            if self.even:
                noun = "even integers" if self.kind == "ints" else "an even integer"
            bounds = []
            if self.minimum is not None:
                bounds.append(f"{'>' if self.exclusive_minimum else '>='} {self.minimum:g}")
            if self.maximum is not None:
                bounds.append(f"<= {self.maximum:g}")
            phrase = f"{noun} {' and '.join(bounds)}".strip()
            if self.kind == "ints":
                count = f"{self.length} " if self.length is not None else ""
                phrase = f"a list of {count}{phrase}"
            if self.auto:
                phrase = f'"auto" or {phrase}'
            return phrase
        return "a string"


def _settings() -> tuple[Setting, ...]:
    return (
        Setting("study", "name", "geomwork study", "Title of the report.", "str"),
        Setting("study", "parts", list(PARTS), "Parts to run, in this order.", "strs", choices=PARTS),
        Setting("study", "seed", 0, "Seed of every random step (noise, training, clustering).", "int",
                minimum=0),
        Setting("instanton", "group", "su2",
                "Gauge group of the lattice; for su3 the SU(2) instanton sits in the upper-left block.",
                "str", choices=("su2", "su3")),
        Setting("instanton", "lattice", [16, 16, 16, 16], "Lattice extents L0, L1, L2, L3.", "ints",
                minimum=4, maximum=64, length=4, even=True),
        Setting("instanton", "size", 3.5,
                "Instanton size rho in lattice units; below half the smallest extent.", "float",
                minimum=0.5),
        Setting("instanton", "noise_beta", 12.0,
                "Coupling beta = 2N/g0^2 of the heat-bath sweeps that add thermal noise.", "float",
                minimum=0.0, exclusive_minimum=True),
        Setting("instanton", "noise_sweeps", 2, "Heat-bath sweeps of thermal noise (0 for none).", "int",
                minimum=0, maximum=1000),
        Setting("instanton", "flow_time", 3.0, "Wilson-flow time in lattice units.", "float",
                minimum=0.0, exclusive_minimum=True, maximum=100.0),
        Setting("instanton", "flow_step", 0.05,
                "Step of the Runge-Kutta flow integrator; flow_time must be a whole number of steps.",
                "float", minimum=0.0, exclusive_minimum=True, maximum=0.2),
        Setting("instanton", "measure_every", 2,
                "Flow steps between measurements of S, Q and E; each frame's step is measured too.", "int",
                minimum=1, maximum=1000),
        Setting("instanton", "frames", 7, "Frames of the flow animation.", "int", minimum=2, maximum=200),
        Setting("attention", "networks", 8, "Number of digit classifiers in the ensemble.", "int",
                minimum=3, maximum=500),
        Setting("attention", "widths", [32, 48, 64], "Hidden widths, used in turn.", "ints",
                minimum=2, maximum=4096),
        Setting("attention", "classes_per_network", 8,
                "Digit classes each network is trained on (a random subset).", "int", minimum=2, maximum=10),
        Setting("attention", "epochs", 150, "Full-batch Adam epochs per network.", "int", minimum=1,
                maximum=100000),
        Setting("attention", "dimension", 8,
                "Reduced dimension d, the rank of the structure group O(d); at most the smallest width.",
                "int", minimum=3),
        Setting("attention", "islands", "auto",
                'Number of islands, or "auto" to count them from the affinity spectrum.',
                "int", minimum=1, auto=True),
        Setting("attention", "axes", 3, "Principal axes kept per island; at most dimension.", "int",
                minimum=3),
        Setting("attention", "coupling", 1.0,
                "Yang-Mills coupling lambda of the relaxation whose energy is plotted.", "float", minimum=0.0),
        Setting("attention", "sharpness", 4.0, "Sharpness of the moduli-attention readout weights.",
                "float", minimum=0.0),
        Setting("ricci", "surface", "rubinstein-sinclair", "Initial sphere of revolution.", "str",
                choices=("rubinstein-sinclair", "round-sphere")),
        Setting("ricci", "points", 48, "Grid intervals between the poles.", "int", minimum=8, maximum=4096),
        Setting("ricci", "frames", 12, "Frames of the Ricci-flow animation.", "int", minimum=2, maximum=200),
        Setting("pictures", "window_size", [800, 600], "Width and height of the 3D pictures in pixels.",
                "ints", minimum=64, maximum=4096, length=2),
        Setting("pictures", "animation_size", [480, 400], "Width and height of the GIF frames in pixels.",
                "ints", minimum=64, maximum=2048, length=2),
        Setting("pictures", "figure_size", [800, 600], "Width and height of the matplotlib figures in pixels.",
                "ints", minimum=64, maximum=4096, length=2),
    )


SETTINGS: tuple[Setting, ...] = _settings()
_SECTIONS = tuple(dict.fromkeys(setting.section for setting in SETTINGS))
_BY_KEY = {setting.key: setting for setting in SETTINGS}


class StudyConfig:
    """Checked settings of one study: ``config["instanton"]["size"]`` or ``config.get("instanton.size")``.

    Build it with :func:`default_study` or :func:`load_study`; every key has a value.
    """

    def __init__(self, values: Mapping[str, Mapping[str, Any]], source: str = "built-in defaults"):
        self._values = {section: MappingProxyType(dict(values[section])) for section in _SECTIONS}
        self.source = source

    def __getitem__(self, section: str) -> Mapping[str, Any]:
        return self._values[section]

    def get(self, key: str) -> Any:
        section, _, name = key.partition(".")
        return self._values[section][name]

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self._values["study"]["parts"])

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Return the settings as plain nested dictionaries (lists copied)."""
        return {section: {name: list(value) if isinstance(value, list) else value
                          for name, value in values.items()}
                for section, values in self._values.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StudyConfig) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return f"StudyConfig(parts={list(self.parts)}, source={self.source!r})"


def _show(value: Any) -> str:
    """Format a value the way it is written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_show(item)}" for key, item in value.items()) + "}"
    return repr(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_integer(value) or isinstance(value, float)) and math.isfinite(value)


def _within(setting: Setting, number: float) -> bool:
    if setting.minimum is not None:
        if number < setting.minimum or (setting.exclusive_minimum and number == setting.minimum):
            return False
    if setting.maximum is not None and number > setting.maximum:
        return False
    return not (setting.even and number % 2)


def _checked(setting: Setting, value: Any) -> Any:
    """Return ``value`` converted to the setting's type, or None when it is not allowed."""
    if setting.auto and value == "auto":
        return "auto"
    if setting.kind == "int":
        return value if _is_integer(value) and _within(setting, value) else None
    if setting.kind == "float":
        return float(value) if _is_number(value) and _within(setting, value) else None
    if setting.kind == "str":
        good = isinstance(value, str) and (setting.choices is None or value in setting.choices)
        return value if good else None
    if not isinstance(value, list) or not value:
        return None
    if setting.length is not None and len(value) != setting.length:
        return None
    if setting.kind == "ints":
        good = all(_is_integer(item) and _within(setting, item) for item in value)
        return list(value) if good else None
    good = (all(isinstance(item, str) and item in (setting.choices or (item,)) for item in value)
            and len(set(value)) == len(value))
    return list(value) if good else None


def _invalid(source: str, setting: Setting, value: Any, reason: str | None = None) -> StudyError:
    allowed = reason or f"allowed: {setting.describe_allowed()}"
    return StudyError(f"{source}: {setting.key} = {_show(value)} is invalid; {allowed}")


def _unknown_key(source: str, section: str, name: str) -> StudyError:
    names = ", ".join(setting.name for setting in SETTINGS if setting.section == section)
    return StudyError(f"{source}: unknown key {section}.{name}; the keys of [{section}] are: {names}")


def _check_relations(source: str, values: dict[str, dict[str, Any]]) -> None:
    """Check the rules that tie several keys together, naming the key that breaks them."""
    instanton, attention = values["instanton"], values["attention"]
    half = min(instanton["lattice"]) / 2
    if instanton["size"] >= half:
        raise _invalid(source, _BY_KEY["instanton.size"], instanton["size"],
                       f"allowed: a number >= 0.5 and below half the smallest lattice extent ({half:g})")
    steps = instanton["flow_time"] / instanton["flow_step"]
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise _invalid(source, _BY_KEY["instanton.flow_time"], instanton["flow_time"],
                       f"allowed: a whole number of flow_step = {instanton['flow_step']:g}, such as "
                       f"{max(1, round(steps)) * instanton['flow_step']:g}")
    if round(steps) < instanton["frames"] - 1:
        raise _invalid(source, _BY_KEY["instanton.frames"], instanton["frames"],
                       f"allowed: at most the number of flow steps plus one ({round(steps) + 1})")
    smallest = min(attention["widths"])
    if attention["dimension"] > smallest:
        raise _invalid(source, _BY_KEY["attention.dimension"], attention["dimension"],
                       f"allowed: an integer >= 3 and <= the smallest width ({smallest})")
    if attention["axes"] > attention["dimension"]:
        raise _invalid(source, _BY_KEY["attention.axes"], attention["axes"],
                       f"allowed: an integer >= 3 and <= dimension ({attention['dimension']})")
    islands = attention["islands"]
    if islands != "auto" and islands > attention["networks"]:
        raise _invalid(source, _BY_KEY["attention.islands"], islands,
                       f'allowed: "auto" or an integer >= 1 and <= networks ({attention["networks"]})')


def _check_section(source: str, section: str) -> None:
    if section not in _SECTIONS:
        sections = ", ".join(f"[{name}]" for name in _SECTIONS)
        raise StudyError(f"{source}: unknown section [{section}]; the sections are: {sections}")


def _checked_entry(source: str, section: str, name: str, value: Any) -> Any:
    """Return ``value`` converted for ``section.name``, or raise :class:`StudyError` naming ``source``."""
    _check_section(source, section)
    setting = _BY_KEY.get(f"{section}.{name}")
    if setting is None:
        raise _unknown_key(source, section, name)
    checked = _checked(setting, value)
    if checked is None:
        raise _invalid(source, setting, value)
    return checked


def _build(raw: Mapping[str, Any], source: str) -> StudyConfig:
    values = {section: {} for section in _SECTIONS}
    for setting in SETTINGS:
        values[setting.section][setting.name] = setting.default
    for section, table in raw.items():
        _check_section(source, section)
        if not isinstance(table, dict):
            raise StudyError(f"{source}: {section} = {_show(table)} is not a table; write the keys "
                             f"under a [{section}] header")
        for name, value in table.items():
            values[section][name] = _checked_entry(source, section, name, value)
    _check_relations(source, values)
    return StudyConfig(values, source)


def parse_override(text: str) -> tuple[str, str, Any]:
    """Split ``SECTION.KEY=VALUE`` into its parts, reading VALUE as TOML (a bare word is a string)."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    section, dot, name = key.partition(".")
    if not sep or not dot or not name or not value:
        raise StudyError(f"--set {text!r} is invalid; write SECTION.KEY=VALUE, e.g. --set instanton.size=2.0")
    try:
        parsed = tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return section, name, parsed


def _check_overrides(overrides: Iterable[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """Check each override on its own, so that a bad one is reported as coming from ``--set``."""
    overrides = list(overrides)
    for section, name, value in overrides:
        _checked_entry("--set", section, name, value)
    return overrides


def default_study(parts: Iterable[str] | None = None,
                  overrides: Iterable[tuple[str, str, Any]] = ()) -> StudyConfig:
    """Return the built-in study, optionally restricted to ``parts`` and with ``overrides`` applied."""
    overrides = _check_overrides(overrides)
    raw: dict[str, dict[str, Any]] = {}
    if parts is not None:
        raw["study"] = {"parts": list(parts)}
    for section, name, value in overrides:
        raw.setdefault(section, {})[name] = value
    return _build(raw, "built-in study")


def load_study(path: str | Path, overrides: Iterable[tuple[str, str, Any]] = ()) -> StudyConfig:
    """Read and check a study file; ``overrides`` (from :func:`parse_override`) win over the file."""
    overrides = _check_overrides(overrides)
    path = Path(path)
    source = f"study file {path}"
    if path.suffix != ".toml":
        raise StudyError(f"{source}: the name must end in .toml, or be one of the built-in studies: "
                         f"all, {', '.join(PARTS)}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StudyError(f"{source} does not exist; give the path of a .toml file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise StudyError(f"{source} cannot be read: {error}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StudyError(f"{source} is not valid TOML: {error}") from None
    for section, name, value in overrides:
        table = raw.setdefault(section, {})
        if isinstance(table, dict):
            table[name] = value
    return _build(raw, source)


def study_to_toml(config: StudyConfig) -> str:
    """Write every setting of ``config`` as a study file that :func:`load_study` reads back."""
    lines = [f"# geomwork study, from {config.source}"]
    for section in _SECTIONS:
        lines += ["", f"[{section}]"]
        lines += [f"{name} = {_show(value)}" for name, value in config[section].items()]
    return "\n".join(lines) + "\n"


def describe_settings(width: int = 100) -> str:
    """Return the documentation of every key: section, name, default, meaning and allowed values.

    Descriptions are wrapped to lines of at most ``width`` characters.
    """
    lines = []
    for section in _SECTIONS:
        lines += [f"[{section}]"] if not lines else ["", f"[{section}]"]
        for setting in SETTINGS:
            if setting.section == section:
                lines.append(f"  {setting.name} = {_show(setting.default)}")
                text = f"{setting.help} Allowed: {setting.describe_allowed()}."
                lines += textwrap.wrap(text, width, initial_indent=" " * 6, subsequent_indent=" " * 6,
                                       break_on_hyphens=False)
    return "\n".join(lines)
