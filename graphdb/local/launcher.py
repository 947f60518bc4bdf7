"""Builds the tiny Java launcher that runs Neo4j Community embedded with Bolt enabled.

Maven resolves `org.neo4j:neo4j` (see java/pom.xml) into the local Maven repository and writes
the classpath; `javac` compiles RapportNeo4j.java against it. Both results are cached in the
launcher directory and rebuilt only when the pom or the source changes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

JAVA_DIR = Path(__file__).resolve().parent / "java"
NEO4J_VERSION = "5.26.31"


class LocalNeo4jError(RuntimeError):
    """A local-Neo4j problem the user can fix; the message says how."""


@dataclass(frozen=True)
class Launcher:
    java: str
    classpath: str
    main_class: str = "RapportNeo4j"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pom.xml", "RapportNeo4j.java"):
        digest.update((JAVA_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def find_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalNeo4jError(
            "No Java found: install OpenJDK 17 or 21 (e.g. `apt-get install openjdk-17-jdk`), "
            "or point NEO4J_URI at an existing Neo4j."
        )
    return java


def ensure_launcher(
    launcher_dir: Path, on_phase: Callable[[str], None] = lambda phase: None
) -> Launcher:
    """Resolve Neo4j with Maven and compile the launcher, unless the cache is current.

    `on_phase` hears what is being done ("resolving", "compiling"), for a progress display."""
    java = find_java()
    build = launcher_dir / _fingerprint()
    classpath_file = build / "classpath.txt"
    classes = build / "classes"
    if classpath_file.exists() and (classes / "RapportNeo4j.class").exists():
        return Launcher(java, f"{classpath_file.read_text().strip()}:{classes}")

    mvn = shutil.which("mvn")
    javac = shutil.which("javac")
    if mvn is None:
        raise LocalNeo4jError(
            "No Maven found: install it (e.g. `apt-get install maven`) so that Neo4j "
            f"{NEO4J_VERSION} can be fetched from Maven Central, or set NEO4J_URI."
        )
    if javac is None:
        raise LocalNeo4jError("No javac found: install a full JDK (openjdk-17-jdk), not a JRE.")
    build.mkdir(parents=True, exist_ok=True)
    on_phase(f"resolving Neo4j {NEO4J_VERSION} with Maven (the first time downloads ~150 MB)")
    resolved = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(JAVA_DIR / "pom.xml"),
            "dependency:build-classpath",
            f"-Dmdep.outputFile={classpath_file.resolve()}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if resolved.returncode != 0 or not classpath_file.exists():
        raise LocalNeo4jError(
            f"Downloading Neo4j {NEO4J_VERSION} from Maven Central failed "
            f"(mvn exit {resolved.returncode}). Check network access to Maven Central.\n"
            + (resolved.stdout + resolved.stderr)[-2000:]
        )
    classpath = classpath_file.read_text().strip()
    on_phase("compiling the Neo4j launcher")
    compiled = subprocess.run(
        [javac, "-d", str(classes), "-cp", classpath, str(JAVA_DIR / "RapportNeo4j.java")],
        capture_output=True,
        text=True,
        check=False,
    )
    if compiled.returncode != 0:
        raise LocalNeo4jError(f"Compiling the Neo4j launcher failed:\n{compiled.stderr[-2000:]}")
    return Launcher(java, f"{classpath}:{classes.resolve()}")
