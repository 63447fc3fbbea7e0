"""Issue 18 §22: core is the bottom layer. It imports no domain app and names no app's URL; apps register their
menu entries and home panels with core, and the permission check comes from accounts through a hook."""

import ast
import re
from pathlib import Path

from django.apps import apps

from weibao.core.dashboard import PANELS
from weibao.core.navigation import NAV

CORE = Path(__file__).resolve().parents[1]
APPS = {c.name.split(".")[1] for c in apps.get_app_configs() if c.name.startswith("weibao.")} - {"core"}


def _core_sources():
    for path in CORE.rglob("*.py"):
        if "tests" not in path.relative_to(CORE).parts:  # tests are integration tests: they may use any app
            yield path


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            if node.module == "weibao":
                modules.update(f"weibao.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("weibao."):
            modules.add(node.value)  # import_module("weibao.x"), string references
    return modules


def test_core_imports_no_domain_app():
    offenders = []
    for path in _core_sources():
        for module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] == "weibao" and len(parts) > 1 and parts[1] in APPS:
                offenders.append(f"{path.relative_to(CORE)}: {module}")
    assert offenders == []


def test_the_check_sees_an_app_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from weibao.accounts.permissions import has_perm\nimport weibao.assets.excel\n")
    assert {"weibao.accounts.permissions", "weibao.assets.excel"} <= _imported_modules(bad)


def _code_strings(path: Path) -> list[str]:
    """String constants of a module except docstrings (examples in a docstring name no URL)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_core_templates_and_code_name_no_app_url():
    names = "|".join(sorted(APPS))
    url_name = re.compile(rf"^({names}):[\w-]+$")
    template_url = re.compile(rf"""{{%\s*url\s+['"]({names}):""")
    offenders = [
        f"{path.relative_to(CORE)}: {value}"
        for path in _core_sources()
        for value in _code_strings(path)
        if url_name.match(value)
    ]
    offenders += [
        f"{path.relative_to(CORE)}: {match.group(0)}"
        for path in CORE.glob("templates/**/*.html")
        for match in template_url.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_apps_registered_their_menu_in_the_menus_order():
    names = [item.url_name for item in NAV]
    assert names[:4] == ["core:home", "workorders:list", "workorders:dashboard", "workorders:portal_new"]
    assert names[-2:] == ["core:system_status", "accounts:profile"]
    assert names.index("dispatch:roster") < names.index("customers:list") < names.index("assets:device_list")
    assert names.index("notifications:log") < names.index("payroll:months") < names.index("accounts:user_list")
    assert len(names) == len(set(names)) >= 44  # other apps may add entries
    assert [p.url_name for p in PANELS] == [
        "contracts:holiday_panel",
        "slareports:review_panel",
        "workorders:dashboard",
        "feedback:panel",
    ]


def test_permission_check_is_the_accounts_table(duty_engineer, admin_user):
    from weibao.core.access import has_perm

    assert has_perm(admin_user, "system.status")
    assert not has_perm(duty_engineer, "system.status")
