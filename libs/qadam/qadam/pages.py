"""Pages of a list: the query arguments every list endpoint takes, the page's schema, and the paging of a query.

Apart from the web app builder (qadam.web) so that a service's queries and schemas, which its worker imports too,
do not bring the whole web stack (flask-smorest, apispec, YAML) into every worker process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app
from marshmallow import fields, validate
from sqlalchemy.orm import Session

from .schema_fields import Integer


class PageArgs(ma.Schema):
    page = Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = Integer(load_default=20, validate=validate.Range(min=1, max=100),
                        metadata={"description": "At most 100 (QADAM_PAGE_SIZE_MAX)."})


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of `item`s: {items, page, page_size, total}."""
    return type(name, (ma.Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "page": Integer(required=True),
        "page_size": Integer(required=True),
        "total": Integer(required=True),
    })


def paginate(session: Session, query: sa.Select[*tuple[Any, ...]], args: dict[str, Any],
             row: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """A page of `query`: its first column's objects, or `row(r)` for each row of a several-column query. The page
    size is capped by the running app's QADAM_PAGE_SIZE_MAX."""
    size = min(args.get("page_size", 20), current_app.extensions["qadam_settings"].page_size_max)
    page = args.get("page", 1)
    total = session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    result = session.execute(query.limit(size).offset((page - 1) * size))
    items = [row(r) for r in result.all()] if row is not None else result.scalars().all()
    return {"items": items, "page": page, "page_size": size, "total": total}
