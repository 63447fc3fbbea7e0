"""bench/mail_ingest.py drops the database it is given: it refuses one that is not obviously a benchmark's."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _bench(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEIBAO_", "DJANGO_"))}
    env["DATABASE_URL"] = url
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "mail_ingest.py"), "--n", "1", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_refuses_a_database_whose_name_lacks_bench():
    # Port 1: even a guard that let it through could not reach (and drop) anything.
    result = _bench("postgres://postgres@127.0.0.1:1/weibao_production")
    assert result.returncode == 2
    assert "refusing" in result.stderr
    assert "weibao_production" in result.stderr
    assert "--i-know" in result.stderr


def test_i_know_lets_it_through():
    result = _bench("postgres://postgres@127.0.0.1:1/weibao_production", "--i-know")
    assert "refusing" not in result.stderr
    assert result.returncode != 0  # nothing listens on port 1: it got as far as connecting
