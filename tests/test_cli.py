"""The command line (graphlib/cli.py): every file it writes is the web app's answer for the same
circuit, byte for byte (JSON: the same document, indented); every URL option is a flag; a mistake is a
message with a caret under its column, on stderr, and exit status 2, never a traceback."""

import doctest
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from graphlib.circuit import build_circuit
from graphlib.cli import NOT_FLAGS, build_parser, caret_text, main, parse_arguments
from graphlib.errors import CircuitError
from graphlib.gallery import GALLERY
from graphlib.i18n import display_width, use_language
from graphlib.options import DESCRIPTIONS, OPTIONS, QUERY_NAMES

ROOT = Path(__file__).resolve().parent.parent
FIGURE_1 = ["(x+y)*z", "x=-2", "y=5", "z=-4"]
FIGURE_1_QUERY = "expr=%28x%2By%29%2Az&x=-2&y=5&z=-4"
MATRIX = ["sum(relu(W @ x))", "W=[[1,2],[3,-4]]", "x=[1, -1]"]
MATRIX_QUERY = urlencode({"expr": "sum(relu(W @ x))", "W": "[[1,2],[3,-4]]", "x": "[1, -1]"})


def run_cli(argv, capsysbinary):
    status = main(argv)
    captured = capsysbinary.readouterr()
    return status, captured.out, captured.err.decode()


# (the command line's arguments, the route answering the same circuit)
SAME_BYTES = [
    (FIGURE_1 + ["--format", "svg"], f"/graph.svg?{FIGURE_1_QUERY}"),
    (FIGURE_1 + ["--format", "png"], f"/graph.png?{FIGURE_1_QUERY}"),
    (FIGURE_1 + ["--format", "dot"], f"/graph.dot?{FIGURE_1_QUERY}"),
    (FIGURE_1 + ["--format", "py"], f"/code/staged.py?{FIGURE_1_QUERY}"),
    (FIGURE_1 + ["--format", "pytorch"], f"/code/pytorch.py?{FIGURE_1_QUERY}"),
    (FIGURE_1, f"/graph.svg?{FIGURE_1_QUERY}"),  # stdout without --format: the SVG
    (FIGURE_1 + ["--precision", "0", "--theme", "dark", "--direction", "TB", "--colors", "colorblind",
                 "--format", "svg"],
     f"/graph.svg?{FIGURE_1_QUERY}&precision=0&theme=dark&direction=TB&colors=colorblind"),
    (FIGURE_1 + ["--wrt", "x", "--format", "svg"], f"/graph.svg?{FIGURE_1_QUERY}&wrt=x"),
    (FIGURE_1 + ["--practice", "grads", "--format", "svg"], f"/graph.svg?{FIGURE_1_QUERY}&practice=grads"),
    (["sigmoid(x)*y", "--composites", "expanded", "--seed", "7", "--format", "svg"],
     "/graph.svg?expr=sigmoid%28x%29%2Ay&composites=expanded&seed=7"),
    (MATRIX + ["--wrt", "W[1,0]", "--format", "svg"], f"/graph.svg?{MATRIX_QUERY}&wrt=W%5B1%2C0%5D"),
    (MATRIX + ["--format", "py"], f"/code/staged.py?{MATRIX_QUERY}"),
]


@pytest.mark.parametrize("argv, route", SAME_BYTES, ids=lambda case: " ".join(case) if isinstance(case, list) else None)
def test_each_format_is_the_web_apps_answer_byte_for_byte(argv, route, client, capsysbinary):
    status, out, err = run_cli(argv, capsysbinary)
    response = client.get(route)
    assert (status, err) == (0, "") and response.status_code == 200
    assert out == response.data


# (the command line's arguments, the JSON route answering the same circuit)
SAME_JSON = [
    (FIGURE_1 + ["--format", "json"], f"/api/graph?{FIGURE_1_QUERY}"),
    (MATRIX + ["--format", "json", "--precision", "4"], f"/api/graph?{MATRIX_QUERY}&precision=4"),
    (GALLERY[7].query, f"/api/graph?{GALLERY[7].query}"),  # gradient descent: params, lr
    (FIGURE_1 + ["--format", "explain"], f"/api/explain?{FIGURE_1_QUERY}"),
    # an expression that starts with '-' after --, the flags before it
    (["--format", "json", "--steps", "2", "--params", "x", "--", "-(x*y)", "x=2", "y=3"],
     "/api/graph?expr=-%28x%2Ay%29&x=2&y=3&steps=2&params=x"),
]


def _argv(query):
    """A gallery circuit's query as the command line writes it."""
    fields = dict(parse_qsl(query))
    expression = fields.pop("expr")
    flags = [f"--{name}={fields.pop(name)}" for name in list(fields) if name in QUERY_NAMES]
    return [*flags, "--format", "json", "--", expression, *(f"{name}={value}" for name, value in fields.items())]


@pytest.mark.parametrize("argv, route", SAME_JSON, ids=lambda case: str(case)[:60])
def test_json_is_the_apis_document_indented(argv, route, client, capsysbinary):
    """The README's claim: the app's document, keys in its order, indented one space a level for
    reading (the app's answer is compact)."""
    status, out, err = run_cli(argv if isinstance(argv, list) else _argv(argv), capsysbinary)
    assert (status, err) == (0, "")
    document = json.loads(client.get(route).data)
    assert out.decode() == json.dumps(document, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize("extension", ["svg", "png", "dot", "json", "py"])
def test_the_files_format_is_its_extension(extension, tmp_path, capsysbinary):
    path = tmp_path / f"figure.{extension}"
    status, _, err = run_cli(FIGURE_1 + ["-o", str(path)], capsysbinary)
    assert (status, err) == (0, "")
    run_cli(FIGURE_1 + ["--format", extension, "-o", "-"], capsysbinary)
    main(FIGURE_1 + ["--format", extension])
    assert path.read_bytes() == capsysbinary.readouterr().out


def test_explain_prints_the_chain_rule_and_the_intuitions_as_aligned_text(capsysbinary):
    status, out, err = run_cli(FIGURE_1 + ["--precision", "0", "--explain"], capsysbinary)
    assert (status, err) == (0, "")
    assert out.decode().splitlines() == [
        "gate       input    local gradient  upstream × local = downstream",
        "---------  -------  --------------  -----------------------------",
        "* (x+y)*z  α = x+y  ∂/∂α = β = -4   1 × -4 = -4",
        "           β = z    ∂/∂β = α = 3    1 × 3 = 3",
        "           A multiply gate swaps: each input gets the other input's value times the upstream gradient.",
        "+ x+y      α = x    ∂/∂α = 1 = 1    -4 × 1 = -4",
        "           β = y    ∂/∂β = 1 = 1    -4 × 1 = -4",
        "           An add gate distributes: every input gets the upstream gradient unchanged.",
    ]


def test_explain_has_the_rows_of_api_explain(client, capsysbinary):
    """Each gate of /api/explain's chain_rule, in its order, with each operand's downstream gradient."""
    status, out, _ = run_cli(["(x+y)*x", "x=3", "y=-4", "--explain"], capsysbinary)
    rows = [line for line in out.decode().splitlines()[2:]]
    chain_rule = client.get("/api/explain?expr=%28x%2By%29%2Ax&x=3&y=-4").get_json()["chain_rule"]
    gates = [row.split("  ")[0] for row in rows if row[0] != " " and not row.startswith("fork")]
    assert gates == [f"{step['label']} {step['expr']}" for step in chain_rule]
    assert rows[-1].split() == ["fork", "x", "branches", "added", "up", "3.00", "+", "-1.00", "=", "2.00"]


def test_explain_with_a_file_writes_both(tmp_path, capsysbinary):
    status, out, _ = run_cli(FIGURE_1 + ["--explain", "-o", str(tmp_path / "fig1.svg")], capsysbinary)
    assert status == 0 and out.decode().startswith("gate") and (tmp_path / "fig1.svg").read_bytes().startswith(b"<?xml")


def test_every_url_option_is_a_flag(capsysbinary):
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsysbinary.readouterr().out.decode()
    for name in QUERY_NAMES - {"expr"}:
        assert f"--{name}" in help_text
    words = " ".join(help_text.split())
    for option in OPTIONS:
        values = [value for value in option.values if value]
        if len(values) > 4:
            assert f"{option.label}: {values[0]} to {values[-1]}" in words
        for value, meaning in option.choices:
            assert not value or value == meaning or f"{value} ({meaning})" in words
    for name in QUERY_NAMES - NOT_FLAGS - {option.name for option in OPTIONS}:
        assert DESCRIPTIONS[name] in words
    assert "examples:" in help_text and "--format" in help_text and "--explain" in help_text


def test_an_option_whose_label_is_the_forms_is_described():
    """theme's label, "Page", names its place in the page's form and says nothing on a command line."""
    words = " ".join(build_parser().format_help().split())
    assert f"--theme {{light,dark}} {DESCRIPTIONS['theme']}; default light" in words and "Page" not in words


# (arguments, the lines on stderr): exit status 2 for each, stdout empty
MISTAKES = [
    (["(x+y))*z", "x=-2"],
     ["backprop-circuits: error: Unmatched ')' at column 6.", "  (x+y))*z", "       ^"]),
    (["a = x*y\nb = a +* x\nb", "x=1"],
     None),  # a second line's mistake: the caret under that line (test_the_caret_goes_under_the_line_at_fault)
    (["(x+y)*z", "x=abc"],
     ["backprop-circuits: error: The value of x ('abc') is not a number; type a decimal number such as -2, "
      "0.5 or 1.5e-3."]),
    (["(x+y)*z", "x=1", "x=2"], ["backprop-circuits: error: x is given 2 times; give it once."]),
    (["(x+y)*z", "--seed", "7", "seed=8"], ["backprop-circuits: error: seed is given 2 times; give it once."]),
    (["x*y", "x=[[1,2],[3]]"],
     ["backprop-circuits: error: The rows of x have different lengths (2, 1); a matrix needs rows of one length."]),
    (["x*y", "--wrt", "z"], ["backprop-circuits: error: wrt must be one of the variables: x, y; got 'z'."]),
    # a typo, or a name the command line takes otherwise (the notebook refuses the same: notebook.check_names)
    (FIGURE_1 + ["q=1"], ["backprop-circuits: error: q is not a variable of the expression; its variables are x, y, z"]),
    (FIGURE_1 + ["lang=ko"],
     ["backprop-circuits: error: lang is not a variable of the expression; its variables are x, y, z"]),
    (FIGURE_1 + ["expr=x"],
     ["backprop-circuits: error: expr is not a variable of the expression; its variables are x, y, z"]),
    (FIGURE_1 + ["format=png"],
     ["backprop-circuits: error: format is not a variable of the expression; its variables are x, y, z"]),
]


@pytest.mark.parametrize("argv, lines", MISTAKES, ids=lambda case: repr(case)[:50] if isinstance(case, list) else None)
def test_a_mistake_is_a_message_with_a_caret_and_status_2(argv, lines, capsysbinary, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(argv, capsysbinary)
    assert status == 2, err
    assert out == b"" and "Traceback" not in err
    if lines is not None:
        assert err.splitlines() == lines


def test_the_caret_goes_under_the_line_at_fault():
    assert caret_text("a = x*y\nb = a +* x\nb", 15) == "a = x*y\nb = a +* x\n       ^\nb"
    assert caret_text("\tx +* y", 4) == "\tx +* y\n\t   ^"


def test_a_file_format_it_does_not_know_is_refused(tmp_path, capsysbinary):
    status, _, err = run_cli(FIGURE_1 + ["-o", str(tmp_path / "fig.txt")], capsysbinary)
    assert status == 2 and "has no extension of a format this writes (.svg, .png, .dot, .json, .py)" in err


# (arguments, what argparse says): a mistake in the command line itself, status 2 from argparse
USAGE_MISTAKES = [
    (FIGURE_1 + ["oops"], "'oops' is not name=value"),
    (FIGURE_1 + ["--colors", "pink"], "argument --colors: invalid choice: 'pink'"),
    (FIGURE_1 + ["--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
    (["--precision", "0", "--"], "give the expression after --"),
]


# (arguments, the expression and values): `--` ends the flags, wherever the positionals begin
AFTER_DOUBLE_DASH = [
    (["--precision", "0", "--", "-(x*y)", "x=2"], ("-(x*y)", ["x=2"])),
    (["-(x*y)", "--", "x=2"], None),  # '-(x*y)' before -- is read as a flag
    (["x*y", "--precision", "0", "--", "-1", "x=2"], ("x*y", ["-1", "x=2"])),
    (["--", "-x", "--precision"], ("-x", ["--precision"])),
]


@pytest.mark.parametrize("argv, positionals", AFTER_DOUBLE_DASH, ids=str)
def test_after_double_dash_every_argument_is_positional(argv, positionals):
    parser = build_parser()
    if positionals is None:
        with pytest.raises(SystemExit):
            parse_arguments(parser, argv)
        return
    arguments = parse_arguments(parser, argv)
    assert (arguments.expression, arguments.values) == positionals


@pytest.mark.parametrize("argv, message", USAGE_MISTAKES, ids=lambda case: str(case)[-30:])
def test_a_mistake_in_the_command_line_is_usage_and_status_2(argv, message, capsysbinary):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsysbinary.readouterr().err.decode()
    assert exited.value.code == 2 and message in err and err.startswith("usage: backprop-circuits")


def run_module(*arguments, cwd):
    """`python -m graphlib ...` as a person runs it from the repository root (here: with the
    root on PYTHONPATH, from a scratch directory that receives the files)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "graphlib", *arguments], cwd=cwd, env=environment,
                          capture_output=True, timeout=120, check=False)


def test_python_m_graphlib_writes_the_file_and_exits_0(tmp_path, client):
    done = run_module("(x+y)*z", "x=-2", "y=5", "z=-4", "-o", "fig1.svg", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, b"")
    assert (tmp_path / "fig1.svg").read_bytes() == client.get(f"/graph.svg?{FIGURE_1_QUERY}").data


# (the environment, the output, what stderr says): not the input's fault, exit status 1
NOT_THE_INPUTS_FAULT = [
    ({"PATH": "/nonexistent", "BACKPROP_GRAPHVIZ": "program"}, "fig.svg",
     "backprop-circuits: Graphviz's dot program is not installed on the server."),
    ({}, "missing/fig.svg", "backprop-circuits: could not write missing/fig.svg: No such file or directory."),
]


@pytest.mark.parametrize("environment, output, message", NOT_THE_INPUTS_FAULT, ids=["no-dot", "no-folder"])
def test_what_is_not_the_inputs_fault_exits_1(environment, output, message, tmp_path, monkeypatch):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    done = run_module("x*y", "-o", output, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr.decode().splitlines()) == (1, b"", [message])


@pytest.mark.parametrize("arguments", [("x", "x=1"), ("x", "x=1", "--explain")], ids=["svg", "explain"])
def test_a_full_standard_output_is_named_as_such(arguments, tmp_path):
    """Standard output has no file name: the message names it, not None."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "graphlib", *arguments], cwd=tmp_path, stdout=full,
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
                              check=False)
    assert (done.returncode, done.stderr.decode().splitlines()) == (
        1, ["backprop-circuits: could not write standard output: No space left on device."])


def test_python_m_graphlib_mistake_exits_2_without_traceback(tmp_path):
    done = run_module("(x+y)*", "x=-2", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines()[1:] == ["  (x+y)*", "        ^"]


def readme_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Command line and notebooks\n", 1)[1].split("\n## ", 1)[0]


def readme_blocks(language):
    """The section's fenced blocks in `language`, each as its text."""
    return re.findall(rf"^```{language}\n(.*?)^```$", readme_section(), flags=re.M | re.S)


def test_the_readmes_commands_run_and_write_their_files(tmp_path):
    commands = [line for block in readme_blocks("sh") for line in block.splitlines()
                if line.startswith("python -m graphlib")]
    assert len(commands) == 5
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in commands:
        done = subprocess.run(["bash", "-c", sys.executable + command.removeprefix("python")], cwd=tmp_path,
                              env=environment, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0 and done.stderr == b"", (command, done.stderr)
        written = re.search(r"(?:-o|>) (\S+)$", command)
        assert written is None or (tmp_path / written.group(1)).stat().st_size > 0, command
    assert json.loads((tmp_path / "fig1.json").read_text())["value"] == -12.0


def test_the_readmes_outputs_are_what_the_commands_print(tmp_path):
    blocks = readme_blocks("text")
    assert len(blocks) == 2
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for block in blocks:
        command, *shown = block.splitlines()
        done = subprocess.run(["bash", "-c", sys.executable + command.removeprefix("$ python")], cwd=tmp_path,
                              env=environment, capture_output=True, text=True, timeout=120, check=False)
        assert (done.stdout + done.stderr).splitlines() == shown, command


def test_the_readmes_notebook_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (block,) = readme_blocks("python")
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries == 6
    assert (tmp_path / "fig1.png").read_bytes().startswith(b"\x89PNG")


HANGUL = re.compile("[\uac00-\ud7a3]")


def test_lang_ko_gives_the_messages_and_intuitions_in_korean_and_the_code_in_english(capsysbinary):
    status, _, err = run_cli(["--lang", "ko", "(x+y))*z"], capsysbinary)
    with use_language("ko"), pytest.raises(CircuitError) as raised:
        build_circuit({"expr": ["(x+y))*z"]})
    assert status == 2 and err.splitlines()[0] == f"backprop-circuits: error: {raised.value.message}"
    assert HANGUL.search(raised.value.message)
    _, table, _ = run_cli(["--lang", "ko", "x*y", "--explain"], capsysbinary)
    assert HANGUL.search(table.decode())
    _, code, _ = run_cli(["--lang", "ko", "x*y", "--format", "py"], capsysbinary)
    assert code and not HANGUL.search(code.decode())


# (the arguments after --lang ko, the last line of stderr): the refusals in Korean, from a real process
KOREAN_REFUSALS = [
    (FIGURE_1 + ["oops"], "backprop-circuits: error: 'oops'은(는) name=value 꼴이 아닙니다: 각 변수의 값을 x=-2처럼 주세요"),
    (FIGURE_1 + ["q=1"], "backprop-circuits: error: q은(는) 수식의 변수가 아닙니다. 수식의 변수는 x, y, z입니다"),
    (["--precision", "0", "--"], "backprop-circuits: error: -- 뒤에 수식을 주세요"),
    (FIGURE_1 + ["-o", "fig.txt"], "backprop-circuits: error: 'fig.txt'의 확장자는 쓸 수 있는 format의 것(.svg, .png, .dot, "
                                   ".json, .py)이 아닙니다. format을 svg, png, dot, json, py, pytorch, explain 중 하나로 지정하세요."),
]


@pytest.mark.parametrize("argv, message", KOREAN_REFUSALS, ids=["name=value", "variable", "after --", "extension"])
def test_lang_ko_refuses_in_korean_with_status_2(argv, message, tmp_path):
    done = run_module("--lang", "ko", *argv, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.decode().splitlines()[-1] == message


def test_lang_ko_explain_table_sums_a_fork_in_korean(capsysbinary):
    _, table, _ = run_cli(["--lang", "ko", "x*x", "x=3", "--precision", "0", "--explain"], capsysbinary)
    lines = table.decode().splitlines()
    assert lines[0].split() == ["gate", "input", "local", "gradient", "upstream", "×", "local", "=", "downstream"]
    assert lines[-1].split() == ["fork", "x", "갈래의", "합", "3", "+", "3", "=", "6"]
    # the chain column lines up on a terminal, where a Hangul character takes two columns
    assert terminal_column(lines[-1], "3 + 3 = 6") == terminal_column(lines[2], "1 × 3 = 3")


def terminal_column(line, text):
    return display_width(line[:line.index(text)])
