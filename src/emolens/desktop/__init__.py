"""The desktop live viewer (F2): an OpenCV window with boxes, statistics, distribution, trend and FPS.

>>> from emolens.desktop import LiveOptions, run_live          # doctest: +SKIP
>>> summary = run_live("video.mp4", LiveOptions(window=False))  # doctest: +SKIP
"""

from __future__ import annotations

from emolens.desktop.run import is_file_source, run_live
from emolens.desktop.viewer import LiveOptions, LiveViewer
from emolens.session import SessionSummary

__all__ = ["LiveOptions", "LiveViewer", "SessionSummary", "is_file_source", "run_live"]
