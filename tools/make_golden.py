#!/usr/bin/python3
"""Writes the PyTorch reference values of the tests to tests/golden/*.json.

Run with Debian's /usr/bin/python3 and python3-torch (scripts/install-deps.sh --peer installs
it). Each module in tools/golden/ (except common.py) has a generate(out_dir) function that
writes its own files; `make_golden.py nn` runs only tools/golden/nn.py. The tests read the
committed files and need no Python.
"""
import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def main(argv):
    out_dir = ROOT.parent / "tests" / "golden"
    out_dir.mkdir(parents=True, exist_ok=True)
    names = argv[1:] or sorted(p.stem for p in (ROOT / "golden").glob("*.py") if p.stem not in ("common", "__init__"))
    for name in names:
        module = importlib.import_module(f"golden.{name}")
        module.generate(out_dir)
        print(f"make_golden: {name} done")


if __name__ == "__main__":
    main(sys.argv)
