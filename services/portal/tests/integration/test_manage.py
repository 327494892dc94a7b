"""The command line: announcing every user and district after an upgrade, so that the services' directories of
them (enrollment's support workers and districts) do not start empty on an existing database."""

from __future__ import annotations

import sqlalchemy as sa
from portal import accounts
from portal.areas import ensure_district
from portal.manage import main
from portal.models import User
from qadam.db import make_engine, make_session_factory, outbox


def test_announce_publishes_every_user_and_district_with_their_current_versions(isolated_stack, monkeypatch, capsys):
    stack = isolated_stack("portal")
    for name, value in stack.environment("portal").items():
        if name.startswith("QADAM_"):
            monkeypatch.setenv(name, value)
    engine = make_engine(stack.database_url("portal"))
    try:
        with make_session_factory(engine).begin() as db:
            accounts.create_user(db, stack.settings("portal"), {
                "id": "vsw-chimboy-1", "display_name": "Dilnoza Qodirova", "role": "victim_support",
                "region": "Qoraqalpogʻiston Respublikasi", "district": "Chimboy", "language": "kaa"}, "x-Temp-2026-x")
            worker = db.get(User, "vsw-chimboy-1")
            accounts.update_user(db, worker, {"district": "Nukus"})  # version 2
            ensure_district(db, "Qoraqalpogʻiston Respublikasi", "Chimboy", ("Bahor",))
            db.execute(sa.delete(outbox))  # what was published before this version is long gone
            users = db.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()
        assert main(["announce"]) == 0
        assert "announced" in capsys.readouterr().out
        with engine.connect() as c:
            envelopes = [row[0] for row in c.execute(sa.select(outbox.c.envelope).order_by(outbox.c.seq))]
            version = c.execute(sa.select(User.version).where(User.id == "vsw-chimboy-1")).scalar_one()
    finally:
        engine.dispose()
    announced = {e["data"]["user_id"]: e["data"] for e in envelopes if e["type"] == "portal.user.changed"}
    assert len(announced) == users and announced["vsw-chimboy-1"]["version"] == 2
    assert announced["vsw-chimboy-1"]["district"] == "Nukus" and announced["vsw-chimboy-1"]["role"] == "victim_support"
    districts = {(e["data"]["region"], e["data"]["district"]): e["data"] for e in envelopes
                 if e["type"] == "portal.area.changed"}
    chimboy = districts[("Qoraqalpogʻiston Respublikasi", "Chimboy")]
    assert chimboy["mahallas"] == ["Bahor"] and chimboy["version"] >= 1
    assert version == 2  # announcing raises no version
