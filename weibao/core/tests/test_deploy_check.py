"""`weibao check --deploy` is clean with the production settings the README documents (issue 19, point 6). The
settings are read from the README itself, so the documentation cannot drift from what passes."""

import re
import secrets
import subprocess
import sys

import pytest

from weibao.core.tests.procs import ROOT, weibao_env

README = ROOT / "README.md"


def readme_production_env() -> dict[str, str]:
    """The `KEY=value` lines of the README's /etc/weibao/weibao.env example."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("Put the settings in `/etc/weibao/weibao.env`") :]
    block = block[: block.index("3. **Prepare**")]
    pairs = re.findall(r"^\s{4,}([A-Z][A-Z0-9_]+)=(\S+)\s*$", block, re.M)
    return dict(pairs)


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "weibao.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = readme_production_env()
    assert env["WEIBAO_SECURE_COOKIES"] == "true"
    assert env["WEIBAO_SSL_REDIRECT"] == "true"
    assert int(env["WEIBAO_HSTS_SECONDS"]) >= 31536000
    # The machine-specific parts: a real secret key file, a scratch data directory, a database that exists here
    # (the checks do not depend on the database engine).
    key = tmp_path / "secret_key"
    key.write_text(secrets.token_urlsafe(50))
    env.update(WEIBAO_SECRET_KEY_FILE=str(key), WEIBAO_VAR_DIR=str(tmp_path / "var"))
    env.pop("REDIS_URL", None)
    full = weibao_env(
        f"sqlite:///{tmp_path / 'deploy.sqlite3'}", **{k: v for k, v in env.items() if k != "DATABASE_URL"}
    )
    full.pop("WEIBAO_SECRET_KEY")  # from the file, as in production
    return full


def test_check_deploy_is_clean_with_the_readme_production_settings(production_env):
    result = run_check(production_env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("drop", "warning"),
    [
        ("WEIBAO_SSL_REDIRECT", "security.W008"),
        ("WEIBAO_HSTS_SECONDS", "security.W004"),
        ("WEIBAO_SECURE_COOKIES", "security.W012"),
    ],
)
def test_check_deploy_names_what_is_missing(production_env, drop, warning):
    del production_env[drop]
    result = run_check(production_env)
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout
