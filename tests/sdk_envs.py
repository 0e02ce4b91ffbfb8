"""Private virtual environments for the official zep-cloud SDK majors that cannot share ours.

zep-cloud 2.22.1 is installed with the test extra; 3.x and 4.x all install the same top-level
package ``zep_cloud``, so each gets its own venv, built on first use by the tests (and so by CI)
under ``$ZEP_SDK_VENVS`` (default ``~/.cache/zep-integrations/sdk-venvs``), never in the working
tree. A file lock makes concurrent test processes build each venv once. Tests run SDK code in that
venv's interpreter with :func:`run_sdk` and exchange JSON on stdout.

Run by hand: ``python -m tests.sdk_envs 3.30.0`` prints the interpreter path.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

SDK_VERSIONS = ("3.30.0", "4.0.1")
"""The zep-cloud releases that are the wire contracts of the v3 and v4 APIs."""


def venvs_root() -> Path:
    """Where the SDK venvs live: ``$ZEP_SDK_VENVS`` or the user's cache directory."""
    configured = os.environ.get("ZEP_SDK_VENVS")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "zep-integrations" / "sdk-venvs"


def sdk_python(version: str) -> Path:
    """The interpreter of a venv with ``zep-cloud==version`` installed, building it if needed."""
    root = venvs_root()
    root.mkdir(parents=True, exist_ok=True)
    home = root / f"zep-cloud-{version}"
    python = home / "bin" / "python"
    ready = home / ".ready"
    with open(root / f".zep-cloud-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            venv.EnvBuilder(clear=True, with_pip=True).create(home)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", f"zep-cloud=={version}"],
                check=True,
            )
            ready.write_text(version)
    return python


def run_sdk(
    version: str,
    code: str,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Any:
    """Run ``code`` under zep-cloud ``version`` and return the JSON it prints last on stdout.

    ``env`` entries are added to a copy of this process's environment. A failing script raises
    ``AssertionError`` with its stderr, so the test shows the SDK's own traceback.
    """
    full_env = {**os.environ, **(env or {})}
    # Our own package and the test extra's zep-cloud 2.x must not leak into the SDK's venv.
    full_env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(sdk_python(version)), "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=venvs_root(),
    )
    if done.returncode != 0:
        raise AssertionError(
            f"zep-cloud {version} script failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"zep-cloud {version} script printed nothing:\n{done.stderr[-4000:]}")
    return json.loads(lines[-1])


if __name__ == "__main__":
    for wanted in sys.argv[1:] or SDK_VERSIONS:
        print(sdk_python(wanted))
