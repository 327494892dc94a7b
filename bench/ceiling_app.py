"""The write-path ceiling: raw Flask doing one SQLAlchemy INSERT and commit per request, nothing else."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from flask import Flask, request

engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=5)
table = sa.table("ceiling_mark", sa.column("id"), sa.column("body"))


def create_app() -> Flask:
    app = Flask("ceiling")

    @app.post("/ceiling")
    def insert() -> tuple[dict[str, str], int]:
        with engine.begin() as conn:
            conn.execute(sa.insert(table).values(id=uuid.uuid4(), body=request.get_data(as_text=True)))
        return {"status": "ok"}, 201

    return app
