"""Refusals of bad request bodies every service shares (found by the schemathesis run, tests/test_schemathesis.py):
each is a 4xx problem that says what to change, never a 500 or a misleading "missing field"."""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask_smorest import Blueprint
from marshmallow import fields
from qadam.auth import allow
from qadam.pages import PageArgs
from qadam.web import build_app
from qadam_contracts.roles import ACCESS_POLICY, Role


class Name(ma.Schema):
    name = fields.String(required=True)


@pytest.fixture(scope="module")
def client(stack):
    blp = Blueprint("bodies", __name__)

    @blp.route("/names", methods=["POST"])
    @allow(Role.MANAGER)
    @blp.arguments(Name)
    @blp.response(201, Name)
    def post_name(data):
        return data

    @blp.route("/names/search", methods=["POST"])
    @allow(Role.MANAGER)
    @blp.arguments(Name)
    @blp.response(200, Name(many=True))
    def search(data):
        import sqlalchemy as sa
        from qadam.web import read_session
        with read_session() as s:  # the name reaches PostgreSQL as a bound parameter
            s.execute(sa.text("SELECT name FROM programme WHERE name = :n"), {"n": data["name"]}).all()
        return []

    @blp.route("/pages")
    @allow(Role.MANAGER)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, Name(many=True))
    def pages(args):
        import sqlalchemy as sa
        from qadam.pages import paginate
        from qadam.web import read_session
        with read_session() as s:
            return paginate(s, sa.select(sa.text("name")).select_from(sa.text("programme")), args)["items"]

    return build_app("enrollment", [blp], stack.base_settings("enrollment"), policy=ACCESS_POLICY).test_client()


@pytest.fixture
def manager(token):
    return {"Authorization": f"Bearer {token('mgr-bodies', 'manager')}"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"].strip()
    return body


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_json_is_415_saying_to_send_json(client, manager, content_type):
    body = problem(client.post("/names", data=b'{"name": "x"}', headers=manager | {"Content-Type": content_type}), 415)
    assert "application/json" in body["detail"] and content_type in body["detail"]


def test_a_json_body_and_a_request_without_a_body_are_judged_as_before(client, manager):
    assert client.post("/names", json={"name": "Oʻtkir"}, headers=manager).status_code == 201
    assert "name" in problem(client.post("/names", headers=manager), 422)["errors"]


def test_a_body_over_the_limit_is_413_naming_the_limit(client, manager):
    body = problem(client.post("/names", data=b"x" * (1024 * 1024 + 1), headers=manager | {
        "Content-Type": "application/json"}), 413)
    assert "1 MiB" in body["detail"]


def test_a_page_number_past_what_the_database_counts_is_a_4xx_not_a_500(client, manager):
    # page 2**60 made an OFFSET past bigint: PostgreSQL's "bigint out of range" came back as a 500; the page number
    # is bounded now, and the answer names it
    body = problem(client.get(f"/pages?page={2**60}&page_size=23", headers=manager), 422)
    assert "page" in body["errors"]
    assert client.get("/pages?page=1000000&page_size=100", headers=manager).status_code == 200  # the last page asked


def test_text_with_a_nul_character_is_a_4xx_not_a_500(client, manager):
    # PostgreSQL text cannot hold U+0000: the driver's DataError came back as a 500
    body = problem(client.post("/names/search", json={"name": "a\x00b"}, headers=manager), 400)
    assert "NUL" in body["detail"]
