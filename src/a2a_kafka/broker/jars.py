"""Find Java and assemble the broker's classpath from Maven Central with ``mvn``.

The jars of `KAFKA_VERSION` are fetched once into ``layout.lib`` and reused;
a half-finished download never counts, because the directory is filled under
a temporary name and renamed into place when complete.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from importlib import resources
from pathlib import Path

from a2a_kafka.broker.errors import broker_error
from a2a_kafka.broker.layout import KAFKA_VERSION

_COMPLETE = ".complete"
_NETWORK_HINTS = (
    "transfer",
    "unknown host",
    "unknownhost",
    "connect",
    "timed out",
    "unreachable",
    "offline",
    "resolve",
    "no plugin found",  # maven-dependency-plugin itself could not be downloaded
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def find_java() -> str:
    """The ``java`` executable: ``$JAVA_HOME/bin/java``, else the one on ``PATH``."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home, "bin", "java"), os.X_OK):
        return str(Path(java_home, "bin", "java"))
    found = shutil.which("java")
    if found is None:
        raise broker_error(
            f"Java (17 or newer) is needed to run the local Kafka {KAFKA_VERSION} broker "
            "and `java` is not on PATH",
            "install a JDK (e.g. `apt-get install openjdk-17-jdk-headless`) or set JAVA_HOME",
        )
    return found


def jars_cached(lib: Path) -> bool:
    """True when ``lib`` holds a complete classpath."""
    return (lib / _COMPLETE).is_file()


async def ensure_jars(lib: Path) -> Path:
    """Return ``lib`` holding the broker's jars, downloading them with Maven if needed.

    Raises `LocalBrokerError` when ``mvn`` is missing or Maven Central cannot
    be reached. Safe against concurrent callers: the first complete copy wins.
    """
    if jars_cached(lib):
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise broker_error(
            f"Maven (`mvn`) is needed once to download the Apache Kafka {KAFKA_VERSION} "
            f"jars into {lib} and is not on PATH",
            "install it (e.g. `apt-get install maven`)",
        )
    lib.parent.mkdir(parents=True, exist_ok=True)
    work = lib.with_name(f"{lib.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        await _download(mvn, work)
        _publish(work / "jars", lib)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lib


async def _download(mvn: str, work: Path) -> None:
    jars = work / "jars"
    jars.mkdir(parents=True)
    pom = work / "pom.xml"
    pom.write_bytes(resources.files("a2a_kafka.broker").joinpath("pom.xml").read_bytes())
    args = ("-B", "-q", "-Dstyle.color=never", "-f", str(pom), "dependency:copy-dependencies")
    props = ("-DincludeScope=runtime", f"-DoutputDirectory={jars}")
    proc = await asyncio.create_subprocess_exec(
        mvn,
        *args,
        *props,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=work,
    )
    output, _ = await proc.communicate()
    if proc.returncode != 0 or not any(jars.glob(f"kafka_2.13-{KAFKA_VERSION}.jar")):
        raise _maven_failure(_ANSI.sub("", output.decode(errors="replace")))
    (jars / _COMPLETE).write_text(f"{KAFKA_VERSION}\n")


def _maven_failure(output: str) -> Exception:
    errors = [line.strip() for line in output.splitlines() if "ERROR" in line]
    first = (errors or [line for line in output.splitlines() if line.strip()] or ["no output"])[0]
    detail = first.removeprefix("[ERROR]").strip()[:400]
    if any(hint in output.lower() for hint in _NETWORK_HINTS):
        return broker_error(
            f"cannot download Apache Kafka {KAFKA_VERSION} from Maven Central "
            f"(is it reachable from here?): {detail}",
            "check the network or the proxy in ~/.m2/settings.xml and retry",
        )
    return broker_error(
        f"`mvn dependency:copy-dependencies` failed for Apache Kafka {KAFKA_VERSION}: {detail}",
        "fix Maven and retry",
    )


def _publish(jars: Path, lib: Path) -> None:
    try:
        jars.rename(lib)
    except OSError:
        if not jars_cached(lib):  # not a concurrent winner: a stale partial copy
            shutil.rmtree(lib, ignore_errors=True)
            jars.rename(lib)
