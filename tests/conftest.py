"""Fixtures shared by the tests, in the style of Flask's tutorial (flaskr)."""

import pytest

from app import create_app


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
