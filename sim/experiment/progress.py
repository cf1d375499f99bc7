"""Progress of replications inside a report notebook, shown on the terminal that started it.

A report runs its experiments in a Jupyter kernel, whose ``sys.stderr`` feeds the notebook, not
the analyst's terminal. ``leadsim report`` sets ``LEADSIM_PROGRESS=1`` for the kernel; the
experiment designs then draw their progress bar (with the time left) on the kernel process's
own standard error, which the kernel inherited from ``leadsim report``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PROGRESS_VARIABLE = "LEADSIM_PROGRESS"


@contextmanager
def terminal_progress(progress: bool | None = None) -> Iterator[bool | None]:
    """``progress`` as given; inside a report kernel, True with the bar on the real stderr."""
    if progress is not None or os.environ.get(PROGRESS_VARIABLE) != "1" or sys.__stderr__ is None:
        yield progress
        return
    notebook_stream = sys.stderr
    sys.stderr = sys.__stderr__  # the runner's bar writes to sys.stderr when it is created
    try:
        yield True
    finally:
        sys.stderr = notebook_stream
