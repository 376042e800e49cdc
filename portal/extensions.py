"""Flask extensions, created unbound and bound in create_app(); and one helper
for per-connection database settings."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()


@contextmanager
def sqlite_pragma(session: Session, pragma: str, value, *, restore) -> Iterator[None]:
    """SQLite: ``PRAGMA pragma = value`` on the session's connection for the
    block, then ``restore``, so pooled connections stay as they were. Other
    databases: nothing."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    connection.exec_driver_sql(f"PRAGMA {pragma} = {value}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA {pragma} = {restore}")
