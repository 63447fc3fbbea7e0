"""scripts/_common.sh: a restart does not run pip again when nothing changed (issue 18 point 19)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _venv(tmp_path: Path) -> Path:
    """A stand-in virtual environment: its python answers `-m pip` with a marker and runs anything else for real."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "PIP CALLED $*"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    python.chmod(0o755)
    return venv


def _ensure(venv: Path, extras: str) -> str:
    script = f'source "{ROOT}/scripts/_common.sh"; ensure_venv "{extras}"'
    env = {"WEIBAO_VENV": str(venv), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(  # noqa: S603
        ["/bin/bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def test_pip_runs_once_then_only_when_dependencies_or_extras_change(tmp_path):
    venv = _venv(tmp_path)
    assert "PIP CALLED" in _ensure(venv, "[test]")
    assert "PIP CALLED" not in _ensure(venv, "[test]")
    assert "PIP CALLED" not in _ensure(venv, "")  # the test install covers the app alone
    (venv / ".weibao-installed").write_text("0000 [test]\n")  # as if pyproject.toml had changed since
    assert "PIP CALLED" in _ensure(venv, "[test]")
