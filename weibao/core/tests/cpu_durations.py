"""`pytest --cpu-durations=N`: the N tests that cost the most CPU, and the CPU per app.

Wall time (`--durations`) says little on a shared, loaded machine; CPU seconds (user + sys) of the test process and
of the subprocesses it waited for (`migrate`, `db_worker`, gunicorn ...) do not depend on the load. Works with
xdist: each worker measures its own tests and the numbers travel to the controller with the reports.
Loaded by the root conftest as a plugin.
"""

import resource
from collections import defaultdict

import pytest

KEY = "cpu_seconds"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_addoption(parser):
    parser.addoption(
        "--cpu-durations",
        type=int,
        default=None,
        metavar="N",
        help="show the N tests with the most CPU time (own process and waited-for subprocesses) and CPU per app",
    )


_start = pytest.StashKey[float]()
# Filled in the process that reports (the xdist controller, or the only process): test id → seconds.
_cpu_by_test: dict[str, float] = {}
_wall_by_test: dict[str, float] = defaultdict(float)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_start] = _cpu()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    if call.when == "teardown" and _start in item.stash:
        item.user_properties.append((KEY, _cpu() - item.stash[_start]))
    yield


def pytest_runtest_logreport(report):
    _wall_by_test[report.nodeid] += report.duration
    if report.when == "teardown":
        for name, value in report.user_properties:
            if name == KEY:
                _cpu_by_test[report.nodeid] = value


def _app(nodeid: str) -> str:
    parts = nodeid.split("/")
    return parts[1] if parts[0] == "weibao" and len(parts) > 2 else parts[0]


def pytest_terminal_summary(terminalreporter, config):
    count = config.getoption("cpu_durations")
    if count is None or hasattr(config, "workerinput"):
        return
    cpu, wall = _cpu_by_test, _wall_by_test
    write = terminalreporter.write_line
    terminalreporter.section(f"CPU time: the {count} most expensive tests (setup + call + teardown)")
    write(f"{'cpu s':>8} {'wall s':>8}  test")
    for nodeid, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])[:count]:
        write(f"{seconds:8.2f} {wall[nodeid]:8.2f}  {nodeid}")
    per_app: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for nodeid, seconds in cpu.items():
        app = per_app[_app(nodeid)]
        app[0] += seconds
        app[1] += wall[nodeid]
        app[2] += 1
    terminalreporter.section("CPU time per app")
    write(f"{'cpu s':>8} {'wall s':>8} {'tests':>6}  app")
    for app, (seconds, walltime, n) in sorted(per_app.items(), key=lambda kv: -kv[1][0]):
        write(f"{seconds:8.1f} {walltime:8.1f} {n:6d}  {app}")
    write(f"{sum(cpu.values()):8.1f} {sum(wall.values()):8.1f} {len(cpu):6d}  total")
