"""The report scripts of examples/python/ run and reach the reports' figures."""
import importlib.util

import pytest


def load(source_dir, name):
    spec = importlib.util.spec_from_file_location(name, source_dir / "examples" / "python" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REPORT_001_INFO = """\
|x Sequential:
| | Sequential:
| | | Linear Layer, in: 2, out: 25, biases: True
| | | Rectified Linear Unit
| | | Linear Layer, in: 25, out: 25, biases: False
| | | Rectified Linear Unit
| | v
| | Sequential:
| | | Linear Layer, in: 25, out: 25, biases: False
| | | Rectified Linear Unit
| | | Linear Layer, in: 25, out: 2, biases: True
| | | Rectified Linear Unit
| | v
| | v"""


def test_report001_nested_sequential_and_info(source_dir, capsys):
    example = load(source_dir, "report001_nested_sequential")
    lines = []
    example.info(example.build(None), out=lines.append)
    assert "\n".join(lines) == REPORT_001_INFO  # the report's Figure 1, line for line
    train_error, test_error = example.main(["--epochs", "50"])
    assert test_error < 0.10  # the report: "less than 7% error" on its best runs
    assert "test error" in capsys.readouterr().out


def test_report003_adam(source_dir):
    accuracy = load(source_dir, "report003_adam").main(["--epochs", "30"])
    assert accuracy > 0.95


@pytest.mark.parametrize("p", [0.0, 0.1])
def test_report004_dropout_adam(source_dir, p):
    train_accuracy, test_accuracy = load(source_dir, "report004_dropout_adam").main(["--p", str(p)])
    assert test_accuracy > 0.93  # the report: 97.5% with p = 0
