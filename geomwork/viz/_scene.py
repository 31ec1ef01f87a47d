"""pyvista plotters: creation with a size and camera, screenshots, and an off-screen rendering probe."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import check_window_size
from ._files import atomic_output

if TYPE_CHECKING:
    import pyvista

logger = logging.getLogger("geomwork.viz.scene")

DEFAULT_WINDOW_SIZE = (800, 600)

_PROBE_SOURCE = """
import pyvista
plotter = pyvista.Plotter(off_screen=True, window_size=(32, 32))
plotter.add_mesh(pyvista.Sphere(), color="white")
image = plotter.screenshot(return_img=True)
plotter.close()
print(int((image > 0).any()))
"""


@dataclasses.dataclass(frozen=True)
class RenderingSupport:
    """Result of the off-screen rendering probe: whether pyvista can render here, and why not if it cannot."""

    available: bool
    reason: str


@functools.cache
def offscreen_rendering_support(timeout_s: float = 120.0) -> RenderingSupport:
    """Probe whether pyvista can render a picture off screen, in a child process.

    The probe runs in a separate interpreter because VTK may crash instead of raising when it has no
    usable OpenGL context. For example, VTK 9.7.2 with VTK_DEFAULT_OPENGL_WINDOW=vtkOSMesaRenderWindow
    and no libOSMesa installed dies with SIGSEGV.
    The result is cached for the life of this process.

    Parameters
    ----------
    timeout_s
        Seconds to wait for the child process.

    Returns
    -------
    RenderingSupport
        ``available`` is True when a 32x32 sphere rendered to a non-black image. Otherwise ``reason``
        contains the failure: the child's exit status and the last line it wrote to stderr.
    """
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _PROBE_SOURCE],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return RenderingSupport(False, f"off-screen rendering probe timed out after {timeout_s:g} s")

    if completed.returncode == 0 and completed.stdout.strip().endswith("1"):
        return RenderingSupport(True, "pyvista rendered a test sphere off screen")
    # VTK colours its log lines with ANSI escape sequences, which would garble a test's skip reason.
    stderr = re.sub(r"\x1b\[[0-9;]*m", "", completed.stderr)
    stderr_lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last_line = stderr_lines[-1] if stderr_lines else "no error output"
    reason = (
        f"off-screen rendering with pyvista failed (probe exit status {completed.returncode}, "
        f"last error line: {last_line}). VTK needs EGL or OSMesa (Debian packages libegl1, libegl-mesa0 "
        "and libgl1-mesa-dri) or an X display: install them or set DISPLAY"
    )
    logger.warning("%s", reason)
    return RenderingSupport(False, reason)


def new_plotter(window_size: Any, off_screen: bool) -> pyvista.Plotter:
    """Create a plotter of ``window_size`` pixels with a white background."""
    import pyvista

    width, height = check_window_size(window_size)
    plotter = pyvista.Plotter(off_screen=off_screen, window_size=(width, height))
    plotter.set_background("white")
    return plotter


def apply_camera(plotter: pyvista.Plotter, camera_position: Any, zoom: float) -> None:
    """Set the camera from a pyvista camera position (``"iso"``, ``"xy"``, or ``[position, focus, up]``)."""
    if camera_position is not None:
        try:
            plotter.camera_position = camera_position
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(
                f"camera_position={camera_position!r} is not a pyvista camera position ({error}); pass 'iso', "
                "'xy', 'xz', 'yz' or [(x, y, z) position, (x, y, z) focal point, (x, y, z) view up]"
            ) from None
    else:
        plotter.camera_position = "iso"
        plotter.reset_camera()
    if not np.isfinite(zoom) or zoom <= 0:
        raise ValueError(f"zoom={zoom!r} must be a positive finite factor; pass e.g. 1.0 (no zoom) or 1.5")
    if zoom != 1.0:
        plotter.camera.zoom(zoom)


def screenshot_png(plotter: pyvista.Plotter, target: Path) -> None:
    """Render ``plotter`` and write its picture to ``target`` atomically."""
    with atomic_output(target) as temporary:
        plotter.screenshot(str(temporary))
    logger.info("wrote %s", target)


def finish(plotter: pyvista.Plotter, target: Path, return_plotter: bool) -> Path | tuple[Path, pyvista.Plotter]:
    """Return ``target`` and the plotter (left open) when requested, else close the plotter."""
    if return_plotter:
        return target, plotter
    plotter.close()
    return target


def scalar_bar_args(title: str) -> dict[str, Any]:
    """Return ``scalar_bar_args`` for ``add_mesh``: a horizontal bar with dark text at the bottom."""
    return {
        "title": title,
        "color": "black",
        "vertical": False,
        "position_x": 0.2,
        "position_y": 0.03,
        "width": 0.6,
        "height": 0.08,
        "title_font_size": 14,
        "label_font_size": 12,
        # Four labels leave the middle of the bar, under the centred title, free.
        "n_labels": 4,
        "fmt": "%.3g",
    }


@contextlib.contextmanager
def close_on_error(plotter: pyvista.Plotter) -> Iterator[None]:
    """Close ``plotter`` if the block raises, so a failed picture leaves no render window open."""
    try:
        yield
    except BaseException:
        plotter.close()
        raise


def clear_scene(plotter: pyvista.Plotter) -> None:
    """Remove the meshes, texts and scalar bars of the previous frame but keep the lights and camera.

    ``Plotter.clear`` would also remove the lights, and ``clear_actors`` alone leaves pyvista
    believing the removed scalar bar is still shown, so the next ``add_mesh`` would not draw one.
    """
    for title in list(plotter.scalar_bars.keys()):
        plotter.remove_scalar_bar(title)
    plotter.clear_actors()
