"""`pip install .` (pyproject.toml) into a fresh virtual environment: the package imports as
backprop_circuits from anywhere, the command `backprop-circuits` draws the web app's figure, and
`import graphlib` there is still the standard library's. One install per run (a module fixture);
pip's cache makes it quick after the first (PyPI, or the index pip is configured with, is needed)."""

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURE_1 = ["(x+y)*z", "x=-2", "y=5", "z=-4"]
FIGURE_1_QUERY = "expr=%28x%2By%29%2Az&x=-2&y=5&z=-4"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with the package installed from a copy of the repository's files
    (a build writes build/ and *.egg-info next to pyproject.toml: not into the work tree), at the
    versions requirements.txt pins. Returns its bin directory."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "graphlib", source / "graphlib", ignore=shutil.ignore_patterns("__pycache__"))
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    done = subprocess.run([bin_dir / "pip", "install", "--quiet", "-c", ROOT / "requirements.txt", source],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path):
    """A working directory outside the repository, where nothing named graphlib lies."""
    return tmp_path


def test_the_command_writes_the_web_apps_figure_from_anywhere(installed, elsewhere, client):
    done = subprocess.run([installed / "backprop-circuits", *FIGURE_1, "-o", "out.svg"], cwd=elsewhere,
                          capture_output=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, b"")
    assert (elsewhere / "out.svg").read_bytes() == client.get(f"/graph.svg?{FIGURE_1_QUERY}").data


def test_the_command_says_a_mistake_with_a_caret_and_exits_2(installed, elsewhere):
    done = subprocess.run([installed / "backprop-circuits", "(x+y))*z"], cwd=elsewhere,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stderr.splitlines()[1:] == ["  (x+y))*z", "       ^"]


def test_the_package_imports_as_backprop_circuits_and_graphlib_is_the_standard_librarys(installed, elsewhere):
    program = (
        "import graphlib, backprop_circuits\n"
        "from backprop_circuits import backprop\n"
        "c = backprop('(x+y)*z', x=-2, y=5, z=-4)\n"
        "print(c.value, [float(g) for g in c.gradients.values()])\n"
        "print(hasattr(graphlib, 'TopologicalSorter'), graphlib.__file__.startswith(sys.base_prefix))\n"
        "print(Path(backprop_circuits.__file__).parent.name)\n"
    )
    done = subprocess.run([installed / "python", "-c", f"import sys\nfrom pathlib import Path\n{program}"],
                          cwd=elsewhere, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["-12.0 [-4.0, -4.0, 3.0]", "True True", "backprop_circuits"]


def test_python_m_backprop_circuits_is_the_same_command(installed, elsewhere):
    done = subprocess.run([installed / "python", "-m", "backprop_circuits", "--version"], cwd=elsewhere,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.startswith("backprop-circuits ")


def test_the_korean_catalogues_are_installed_with_it(installed):
    catalogues = sorted(path.name for path in (ROOT / "graphlib" / "translations").rglob("*.mo"))
    site = next((installed.parent / "lib").glob("python3*/site-packages/backprop_circuits"))
    assert catalogues and sorted(path.name for path in (site / "translations").rglob("*.mo")) == catalogues


def test_the_version_is_the_packages(installed):
    done = subprocess.run([installed / "python", "-c", "from importlib.metadata import version; "
                           "import backprop_circuits; print(version('backprop-circuits'), backprop_circuits.__version__)"],
                          capture_output=True, text=True, timeout=120, check=False)
    first, second = done.stdout.split()
    assert first == second and sys.version_info >= (3, 11)
