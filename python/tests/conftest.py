"""Shared fixtures of the Python tests: `torch` (skips the test, saying why, when PyTorch is not
installed; `make test` does not install it) and the source directory."""
import gc
import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("MINIDL_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


def pytest_configure(config):
    config.addinivalue_line("markers", "torch: compares with PyTorch live (skipped without it); ctest python_torch")


def pytest_collection_modifyitems(items):
    for item in items:  # every test that asks for the torch fixture is a `torch` test
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)


@pytest.fixture
def torch():
    try:
        import torch as t
    except ImportError:
        pytest.skip("PyTorch is not installed (python3-torch): live comparison with PyTorch skipped")
    t.set_num_threads(1)
    return t


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture
def collect():
    """gc.collect() until nothing more is freed, then the live storage count."""
    import minidl

    def run():
        while gc.collect():
            pass
        return minidl.live_storages()

    return run
