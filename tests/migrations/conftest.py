"""The database each migration test runs the migrations on, down and up, without touching the suite's schema."""
import pytest


@pytest.fixture
def migrating_app(second_instance):
    return second_instance("migration", migrate=False)
