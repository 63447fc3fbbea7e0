"""OpenAPI names its component schemas by class name: two apps' `AnswerIn` would silently replace one another in
/api/docs (it happened twice while apps were merged). Every API schema class name is unique across apps."""

import importlib
import inspect
import pkgutil
from collections import defaultdict

import ninja

import weibao


def test_api_schema_class_names_are_unique_across_apps():
    importlib.import_module("weibao.api")  # every router, and with it every schema, is imported
    owners = defaultdict(set)
    for info in pkgutil.iter_modules(weibao.__path__):
        if not info.ispkg:
            continue
        for module_name in (f"weibao.{info.name}.schemas", f"weibao.{info.name}.api"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, ninja.Schema) and cls.__module__ == module_name:
                    owners[name].add(module_name)
    clashes = {name: sorted(mods) for name, mods in owners.items() if len(mods) > 1}
    assert not clashes, clashes
