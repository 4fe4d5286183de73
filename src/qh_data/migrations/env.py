"""Alembic environment: the connection comes from qh_data (QH_DATABASE_URL), never from alembic.ini."""

from __future__ import annotations

from alembic import context

from qh_data.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from qh_data.db import make_engine

        engine = make_engine(context.config.attributes.get("url"))
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
