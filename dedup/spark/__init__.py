"""The Spark back-end (``pip install 'dedup[spark]'``): the local engine's answer, on a cluster.

``dedup scan --engine spark`` and :func:`scan_spark` run the same pure functions as the
local engine inside Spark tasks; order comes from each document's place in the input,
never from arrival, so results do not depend on partitions or executors.
"""

from __future__ import annotations

from .pipeline import run_spark, scan_dataframe, scan_spark
from .session import session

__all__ = ["run_spark", "scan_dataframe", "scan_spark", "session"]
