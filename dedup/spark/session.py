"""The Spark session a run uses: the one already running (``spark-submit``), or a new one
for ``--master``, quiet, with its local servers bound to 127.0.0.1."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from pyspark import SparkConf, SparkContext
from pyspark.java_gateway import launch_gateway
from pyspark.sql import SparkSession

__all__ = ["LOCAL_MASTER", "session"]

LOCAL_MASTER = "local[*]"
# Spark's own logs at error level (its conf folder holds just log4j2.properties).
_CONF_DIR = Path(__file__).with_name("conf")


def session(master: str | None = None, partitions: int | None = None) -> SparkSession:
    """The active session if there is one (and no ``master`` is asked), or the one
    ``spark-submit`` prepared, else a new one.

    A new session has no web UI, no console progress bar, Spark's logs at error level,
    and ``partitions`` shuffle partitions (default: twice the cores of a local master).
    The JVM's own start-up messages are dropped unless dedup logs at debug level.
    """
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    if master is None and "PYSPARK_GATEWAY_PORT" in os.environ:  # under spark-submit: its master and settings
        return SparkSession.builder.appName("dedup").getOrCreate()
    master = master or LOCAL_MASTER
    conf = (
        SparkConf()
        .setMaster(master)
        .setAppName("dedup")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if master.startswith("local"):
        conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        partitions = partitions or 2 * (os.cpu_count() or 1)
        # In local mode the driver's JVM holds the cached stages: Spark's 1 GiB default
        # recomputes them (pass 1 twice) once a corpus passes about 50,000 documents.
        if not conf.contains("spark.driver.memory"):
            conf.set("spark.driver.memory", "4g")
        # Local workers run this interpreter, which has dedup's dependencies: Spark's
        # default is whatever "python3" the PATH finds (a venv's dedup called by its path
        # would hand the work to another Python, without them).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if partitions:
        conf.set("spark.sql.shuffle.partitions", str(partitions)).set("spark.default.parallelism", str(partitions))
    if SparkContext._gateway is None:  # start the JVM ourselves, to keep its chatter out of the terminal
        os.environ.setdefault("SPARK_CONF_DIR", str(_CONF_DIR))
        loud = logging.getLogger("dedup").isEnabledFor(logging.DEBUG)
        SparkContext._gateway = launch_gateway(conf, None if loud else {"stderr": subprocess.DEVNULL})
        SparkContext._jvm = SparkContext._gateway.jvm
    spark = SparkSession.builder.config(conf=conf).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
