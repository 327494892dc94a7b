"""risk, issue 19: the national intake instrument's items in Karakalpak in Cyrillic script too (`kaa-Cyrl`), added as
the next version of the instrument in force (its items, answers, weights and bands as they stand), so that the portal
shows every item to a psychologist who reads Karakalpak in Cyrillic, and `read_aloud ?lang=kaa-Cyrl` quotes them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

INSTRUMENT_ID = "qadam-intake"
CREATED_BY = "migration-0011"
# Frozen: each default item's Karakalpak words (0009) written in Cyrillic by the portal's karakalpak_cyrillic once
# (services/portal/tests/unit/test_karakalpak_cyrillic.py checks they are still that conversion); items of another
# id are left alone.
TEXTS: dict[str, dict[str, str]] = json.loads(r"""
{
 "prior_domestic_violence": {
  "kaa-Cyrl": "Ҳүжжетлерге қарағанда, усы ордер берилген ўақыяға шекем де өмирлик жолдасына ямаса шаңарақ ағзасына қарата зорлық болған."
 },
 "prior_other_violence": {
  "kaa-Cyrl": "Ҳүжжетлерге қарағанда, шаңарақтан тысқары адамларға қарата зорлық болған."
 },
 "prior_custody": {
  "kaa-Cyrl": "Ол бурын қамақта ямаса қамаўда болған (қамаў, услап турыў ямаса жаза мүддети)."
 },
 "prior_breach": {
  "kaa-Cyrl": "Ол бурын қорғаў ордерин, кепилликти ямаса басқа шәртлерди бузған."
 },
 "threat_at_incident": {
  "kaa-Cyrl": "Ордер берилген ўақыяда ол биреўге зыян келтириў ямаса өлтириў менен қорқытқан."
 },
 "confinement_at_incident": {
  "kaa-Cyrl": "Сол ўақыяда ол ҳаялды өз еркине қарсы услап турған ямаса кетиўине жол қоймаған."
 },
 "victim_fear": {
  "kaa-Cyrl": "Ҳаял оның және зыян келтириўинен қорқатуғынын айтады."
 },
 "children_in_home": {
  "kaa-Cyrl": "Үйде балалар жасайды (ҳаялдың, еркектиң ямаса екеўиниң улыўма балалары)."
 },
 "her_child_from_before": {
  "kaa-Cyrl": "Ҳаялдың алдынғы қатнасықларынан перзенти бар."
 },
 "violence_to_others_in_home": {
  "kaa-Cyrl": "Ол балаларға ямаса үйдеги басқа адамларға қарата зорлық ислеген."
 },
 "substance_misuse": {
  "kaa-Cyrl": "Ол спиртли ишимликти ямаса наркотиклерди шамадан тыс пайдаланады ямаса ўақыя ўақтында мас болған."
 },
 "assault_in_pregnancy": {
  "kaa-Cyrl": "Ол ҳаялға жүкли ўақтында ҳүжим жасаған."
 },
 "barriers_to_support": {
  "kaa-Cyrl": "Ҳаялға жәрдем алыў қыйын: телефоны ямаса транспорты жоқ, алыста жасайды, материаллық жақтан оған ғәрезли ямаса шаңарағынан ажыратылған."
 }
}
""")

INSTRUMENT = sa.table('instrument', sa.column('id', sa.String), sa.column('version', sa.Integer),
                      sa.column('region', sa.String), sa.column('definition', postgresql.JSONB),
                      sa.column('created_by', sa.String))


def with_texts(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition with the frozen words added to its items that lack them (words already there are kept)."""
    items = [item | {"text": TEXTS.get(item.get("id"), {}) | dict(item.get("text") or {})}
             for item in definition.get("items") or []]
    return definition | {"items": items}


def upgrade() -> None:
    bind = op.get_bind()
    newest = bind.execute(sa.select(INSTRUMENT.c.version, INSTRUMENT.c.region, INSTRUMENT.c.definition)
                          .where(INSTRUMENT.c.id == INSTRUMENT_ID)
                          .order_by(INSTRUMENT.c.version.desc()).limit(1)).first()
    if newest is None:
        return
    definition = with_texts(dict(newest.definition))
    if definition == newest.definition:
        return  # every item has its words already
    op.bulk_insert(INSTRUMENT, [{"id": INSTRUMENT_ID, "version": newest.version + 1, "region": newest.region,
                                 "definition": definition, "created_by": CREATED_BY}])


def downgrade() -> None:
    op.execute(sa.delete(INSTRUMENT).where(INSTRUMENT.c.created_by == CREATED_BY))
