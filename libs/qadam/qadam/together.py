"""Several statements sent to PostgreSQL at once: one round trip for all of them, answered in order.

A handler's reads (and the writes they must see) each cost a round trip when run one after another: on the path of
every alert, a dozen of them were most of the wait between an event's arrival and its commit. Sent together in
psycopg's pipeline mode, PostgreSQL runs them one after another in the order given, as it would have, and the
answers come back at once. Statements are built with SQLAlchemy as anywhere else (compiled once for the dialect,
prepared by the driver as usual) and answered as plain rows: named tuples whose fields are the columns selected.

What it does not do: let a later statement depend on an earlier one's answer (it is sent before that answer
arrives), or build ORM objects. The session's pending changes are flushed first, as its own query would, and the
engine's `before_cursor_execute` listeners hear of each statement as of any other.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Statement = tuple[ClauseElement, Mapping[str, Any]]  # a statement and its parameters


class _Compiled:
    """A statement as the driver runs it: its SQL, how each parameter is converted, how each column is read."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.compiled = compiled
        self.sql = str(compiled)
        self.binds: dict[str, Callable[[Any], Any]] = {}
        for param, name in compiled.bind_names.items():
            process = param.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.binds[name] = process
        # what SQLAlchemy's execution would fill in from the columns' Python-side defaults (a scalar, or a function of
        # nothing such as uuid.uuid4), given no value for them
        self.defaults: dict[str, Any] = {}
        for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
            default = column.default if column in compiled.insert_prefetch else column.onupdate
            if default is None or not (default.is_scalar or default.is_callable):
                raise TypeError(f"{column} has a default that cannot be sent with other statements")
            self.defaults[column.key] = default
        self.columns = [(i, process) for i, column in enumerate(getattr(compiled, "_result_columns", []))
                        if (process := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None]
        self.row: Any = None

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(self.compiled.construct_params(dict(given)))
        for key, default in self.defaults.items():
            if values.get(key) is None and key not in given:
                values[key] = default.arg if default.is_scalar else default.arg(None)
        for name, process in self.binds.items():
            if name in values:
                values[name] = process(values[name])
        return values

    def rows(self, cursor: psycopg.Cursor[Any]) -> list[Any]:
        if cursor.description is None:
            return []
        if self.row is None:
            self.row = namedtuple("Row", [c.name for c in cursor.description], rename=True)  # type: ignore[misc]
        make, found = self.row._make, cursor.fetchall()
        if not self.columns:
            return [make(r) for r in found]
        out = []
        for r in found:
            values = list(r)
            for i, process in self.columns:
                values[i] = process(values[i])
            out.append(make(values))
        return out


# each statement compiled once per dialect (statements on a hot path are built once, at import)
_COMPILED: weakref.WeakKeyDictionary[ClauseElement, dict[str, _Compiled]] = weakref.WeakKeyDictionary()


def _compiled(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    by_dialect = _COMPILED.setdefault(statement, {})
    found = by_dialect.get(dialect.name)
    if found is None:
        found = by_dialect[dialect.name] = _Compiled(statement, dialect)
    return found


def execute_together(on: Session | sa.Connection, statements: Sequence[Statement]) -> list[list[Any]]:
    """Run `statements` in the session's transaction (or on the connection), in order, in one round trip; each
    one's rows (none for a statement that returns none). An error is raised as SQLAlchemy raises it
    (`sa.exc.OperationalError` for a connection lost or a deadlock, `sa.exc.IntegrityError`...), and leaves the
    transaction to be rolled back."""
    if not statements:
        return []
    if isinstance(on, Session):
        if on.autoflush:
            on.flush()
        connection = on.connection()
    else:
        connection = on
    dialect = connection.dialect
    raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    compiled = [_compiled(statement, dialect) for statement, _ in statements]
    cursors: list[psycopg.Cursor[Any]] = []
    try:
        with raw.pipeline():
            for each, (_, given) in zip(compiled, statements, strict=True):
                cursor = raw.cursor()
                cursors.append(cursor)
                values = each.parameters(given)
                # announced to the engine's listeners as any statement it runs (what counts or traces them)
                connection.dispatch.before_cursor_execute(connection, cursor, each.sql, values, None, False)
                cursor.execute(each.sql, values)
        return [each.rows(cursor) for each, cursor in zip(compiled, cursors, strict=True)]
    except psycopg.Error as exc:
        if dialect.is_disconnect(exc, raw, None) and not connection.invalidated:  # type: ignore[arg-type]
            # as SQLAlchemy does with a disconnect it meets itself: every connection of the pool made before this
            # one failed is made again at its next checkout (not one failure each), and this one is dropped
            connection.engine.pool._invalidate(connection.connection, exc)
            connection.invalidate(exc)
        # the statement that failed: the first without a good answer (those after it were not run)
        failed = next((each.sql for each, cursor in zip(compiled, cursors, strict=False)
                       if cursor.pgresult is None or cursor.pgresult.status == psycopg.pq.ExecStatus.FATAL_ERROR),
                      compiled[len(cursors) - 1].sql if cursors else "")
        raise sa.exc.DBAPIError.instance(failed, None, exc, psycopg.Error, dialect=dialect) from exc
    finally:
        for cursor in cursors:
            cursor.close()


# a transaction begun and ended by statements sent with others (on a connection in autocommit)
BEGIN, COMMIT = sa.text("BEGIN"), sa.text("COMMIT")


def begin_together(session: Session, statements: Sequence[Statement]) -> list[list[Any]]:
    """Begin the session's transaction with `statements`, in one round trip; each one's rows. The driver begins a
    transaction with a round trip of its own before the first statement: here the session's connection is taken in
    autocommit and BEGIN is sent with the statements, so the transaction is the server's, as the driver's would be;
    the session commits or rolls it back as its own (the driver sends COMMIT or ROLLBACK for a transaction the
    server has open), and the connection goes back to the pool as it came. Only as the session's first statements:
    before it has taken its connection."""
    connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return execute_together(connection, [(BEGIN, {}), *statements])[1:]

