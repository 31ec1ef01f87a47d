"""Run a study into one output folder, written in full or not at all."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import platform
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import h5py
import numpy as np
import torch

from .. import __version__
from ._attention import run_attention
from ._config import StudyConfig, StudyError, study_to_toml
from ._instanton import run_instanton
from ._report import headline, notebook_html, write_report
from ._ricci import run_ricci

__all__ = ["StudyResult", "check_output_folder", "run_study"]

logger = logging.getLogger("geomwork.studies")

_RUNNERS = {"instanton": run_instanton, "attention": run_attention, "ricci": run_ricci}


@dataclass(frozen=True)
class StudyResult:
    """Output folder of a finished study and its measurements (the content of ``summary.json``)."""

    folder: Path
    summary: dict[str, Any]

    @property
    def files(self) -> list[Path]:
        return sorted(path for path in self.folder.rglob("*") if path.is_file())

    def headline(self) -> list[tuple[str, str]]:
        """Return the key results as (label, text) rows, as printed by ``geomwork run``."""
        return headline(self.summary)

    def _repr_html_(self) -> str:
        return notebook_html(self.folder, self.summary)


def check_output_folder(folder: str | os.PathLike, overwrite: bool = False) -> Path:
    """Return ``folder`` as a path if a study may write it, else raise :class:`StudyError`.

    A folder that is not empty is replaced only with ``overwrite``, and only when it contains a
    ``summary.json``, i.e. when it is the output of an earlier run.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StudyError(f"output {folder} is a file; give a folder name, e.g. --out {folder}-run")
    if folder.exists() and any(folder.iterdir()):
        earlier_run = (folder / "summary.json").is_file()
        if not overwrite:
            fix = "choose another with --out or replace it with --overwrite" if earlier_run else (
                "choose another with --out")
            raise StudyError(f"output folder {folder} is not empty; {fix}")
        if not earlier_run:
            raise StudyError(f"output folder {folder} is not an earlier geomwork run (it has no "
                             "summary.json), so --overwrite does not replace it; choose another with --out")
    if not folder.absolute().parent.is_dir():
        raise StudyError(f"the folder {folder.absolute().parent} for {folder.name} does not exist; "
                         "create it first")
    return folder


def _check_rendering() -> None:
    """Stop before any work when pyvista cannot draw the study's 3D pictures here."""
    from ..viz import offscreen_rendering_support

    support = offscreen_rendering_support()
    if not support.available:
        raise StudyError(f"the study draws 3D pictures, but {support.reason}")


def _remove_stale_work_folders(folder: Path) -> None:
    """Remove work folders of earlier runs into ``folder`` whose process no longer exists.

    These are ``.NAME.partial-PID`` (a run killed while working) and ``.NAME.replaced-PID`` (a
    run killed between moving the old folder aside and removing it).
    """
    parent = folder.absolute().parent
    candidates = [*parent.glob(f".{folder.name}.partial-*"), *parent.glob(f".{folder.name}.replaced-*")]
    for stale in candidates:
        pid = stale.name.rpartition("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            logger.info("removing %s, left by a run that was killed", stale)
            shutil.rmtree(stale, ignore_errors=True)
        except PermissionError:
            continue


@contextlib.contextmanager
def _quiet_vtk_warnings() -> Iterator[None]:
    """Hide VTK's warnings on stderr (such as its fallback from X to off-screen rendering) but keep errors."""
    try:
        from vtkmodules.vtkCommonCore import vtkLogger
    except ImportError:  # pragma: no cover - pyvista always brings VTK
        yield
        return
    # NOTE: VTK offers no getter for the stderr verbosity alone, so this restores the overall
    # cutoff, which equals it unless other log sinks were added.
    previous = vtkLogger.GetCurrentVerbosityCutoff()
    vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
    try:
        yield
    finally:
        vtkLogger.SetStderrVerbosity(previous)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"summary value {value!r} of type {type(value).__name__} is not JSON data")


def _machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def run_study(config: StudyConfig, output: str | os.PathLike, *, overwrite: bool = False,
              progress: bool = False, stage_callback: Callable[[str, str], None] | None = None) -> StudyResult:
    """Run every part of ``config`` and write the output folder.

    The folder contains ``summary.json`` (every measured number), ``data.h5`` (series and fields),
    ``study.toml`` (the settings, every key), the generated kernel modules in ``kernels/``, the
    pictures and ``report.html``.  Work happens in a hidden folder beside ``output`` that is
    renamed at the end, so a failed or interrupted run leaves ``output`` as it was.

    Parameters
    ----------
    config : StudyConfig
        From :func:`default_study` or :func:`load_study`.
    output : path
        The folder to write; it must be absent or empty unless ``overwrite`` is true.
    overwrite : bool
        Replace the folder of an earlier run (only after the new one is complete).
    progress : bool
        Show tqdm progress bars on stderr for the long steps.
    stage_callback : callable, optional
        Called as ``stage_callback(part, description)`` as each step starts.
    """
    folder = check_output_folder(output, overwrite)
    _check_rendering()
    _remove_stale_work_folders(folder)
    partial = folder.absolute().parent / f".{folder.name}.partial-{os.getpid()}"
    try:
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir()
    except OSError as error:
        raise StudyError(f"cannot create the work folder {partial}: {error.strerror}; choose a writable "
                         "place with --out") from None
    started, start = _now(), time.perf_counter()
    summary: dict[str, Any] = {
        "study": config["study"]["name"], "geomwork_version": __version__, "source": config.source,
        "parts": list(config.parts), "seed": config["study"]["seed"], "started": started,
        "settings": config.as_dict(), "machine": _machine(), "timings_seconds": {},
    }
    try:
        (partial / "study.toml").write_text(study_to_toml(config), encoding="utf-8")
        with h5py.File(partial / "data.h5", "w") as data, _quiet_vtk_warnings():
            data.attrs["geomwork_version"] = __version__
            data.attrs["settings"] = json.dumps(config.as_dict())
            for part in config.parts:
                def stage(description: str, part: str = part) -> None:
                    logger.info("%s: %s", part, description)
                    if stage_callback is not None:
                        stage_callback(part, description)

                part_start = time.perf_counter()
                summary[part] = _RUNNERS[part](config[part], config["pictures"], partial, data,
                                               seed=config["study"]["seed"], progress=progress, stage=stage)
                summary["timings_seconds"][part] = time.perf_counter() - part_start
        summary["finished"] = _now()
        summary["wall_seconds"] = time.perf_counter() - start
        summary["files"] = sorted(str(p.relative_to(partial)) for p in partial.rglob("*") if p.is_file())
        summary["files"] += ["report.html", "summary.json"]
        summary["files"].sort()
        (partial / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default) + "\n",
                                              encoding="utf-8")
        write_report(partial / "report.html", summary)
        if folder.exists():
            retired = folder.absolute().parent / f".{folder.name}.replaced-{os.getpid()}"
            folder.rename(retired)
            partial.rename(folder)
            shutil.rmtree(retired)
        else:
            partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    logger.info("study %r written to %s in %.1f s", summary["study"], folder, summary["wall_seconds"])
    return StudyResult(folder, summary)
