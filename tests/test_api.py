"""graphlib's public API (graphlib/__init__.py): what a script or a notebook imports, each name
its module's own, each one documented in the package's docstring, whose example runs."""

import doctest
import inspect
import re
import sys

import pytest

import graphlib

PUBLIC = graphlib.__all__


def graphlib_modules():
    return [module for name, module in sys.modules.items() if name.startswith("graphlib.")]


def test_all_lists_every_public_name_of_the_package_once():
    bound = {name for name, value in vars(graphlib).items()
             if not name.startswith("_") and not inspect.ismodule(value)}
    assert len(PUBLIC) == len(set(PUBLIC)) and set(PUBLIC) == bound


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_is_the_object_its_module_defines(name):
    exported = getattr(graphlib, name)
    owners = [module.__name__ for module in graphlib_modules() if vars(module).get(name) is exported]
    assert owners, f"no graphlib module has {name}"
    if inspect.isfunction(exported) or inspect.isclass(exported):
        assert exported.__module__ in owners


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_is_documented_in_the_package_docstring(name):
    assert re.search(rf"^    {name}  ", graphlib.__doc__, re.M), f"graphlib's docstring does not list {name}"


def test_the_docstrings_example_runs():
    assert doctest.testmod(graphlib, verbose=False).failed == 0


def test_parse_and_evaluate_are_the_functions_and_their_modules_import_by_full_name():
    from graphlib.parse import MAX_LENGTH

    assert inspect.isfunction(graphlib.parse) and inspect.isfunction(graphlib.evaluate)
    assert MAX_LENGTH == sys.modules["graphlib.parse"].MAX_LENGTH
