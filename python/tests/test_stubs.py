"""The type stubs (.pyi) name what exists: every class, function and method they declare is found
at run time, so an editor's completion does not offer names that fail."""
import ast
import importlib
import pathlib

import pytest

import minidl

PACKAGE = pathlib.Path(minidl.__file__).parent
STUBS = sorted(PACKAGE.rglob("*.pyi"))


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_stubs_are_installed_with_the_package():
    assert {module_name(p) for p in STUBS} >= {"minidl", "minidl.nn", "minidl.nn.functional", "minidl.nn.init",
                                               "minidl.nn.utils", "minidl.optim", "minidl.optim.lr_scheduler",
                                               "minidl.data"}
    assert (PACKAGE / "py.typed").exists()


@pytest.mark.parametrize("path", STUBS, ids=module_name)
def test_every_stubbed_name_exists(path):
    module = importlib.import_module(module_name(path))
    missing = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if not hasattr(module, node.name):
                missing.append(node.name)
                continue
            if isinstance(node, ast.ClassDef):
                cls = getattr(module, node.name)
                for member in node.body:
                    if isinstance(member, ast.FunctionDef) and not hasattr(cls, member.name):
                        missing.append(f"{node.name}.{member.name}")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if not node.target.id.startswith("_") and not hasattr(module, node.target.id):
                missing.append(node.target.id)
    assert not missing, f"{module_name(path)}: stubbed but missing at run time: {missing}"
