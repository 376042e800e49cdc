import pytest

from tests import dbstate


@pytest.fixture
def db_snapshot(fresh):
    def take(**kwargs):
        with fresh() as session:
            return dbstate.snapshot(session, **kwargs)

    return take


HX = {"HX-Request": "true"}
