"""risk, issue 18: the national intake instrument's items in Uzbek (Cyrillic) and Karakalpak too, added as the next
version of the instrument in force (its items, answers, weights and bands as they stand), so that the portal shows
every item in the psychologist's own language

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INSTRUMENT_ID = "qadam-intake"
# Frozen: each default item's words in the two languages version 1 lacked (items of another id are left alone).
TEXTS: dict[str, dict[str, str]] = json.loads(r"""
{
 "prior_domestic_violence": {
  "uz-Cyrl": "Ҳисоботларга кўра, ушбу ордер берилган воқеагача ҳам турмуш ўртоғи ёки оила аъзосига нисбатан зўравонлик бўлган.",
  "kaa": "Hújjetlerge qaraǵanda, usı order berilgen waqıyaǵa shekem de ómirlik joldasına yamasa shańaraq aǵzasına qarata zorlıq bolǵan."
 },
 "prior_other_violence": {
  "uz-Cyrl": "Ҳисоботларга кўра, оиладан ташқаридаги одамларга нисбатан зўравонлик бўлган.",
  "kaa": "Hújjetlerge qaraǵanda, shańaraqtan tısqarı adamlarǵa qarata zorlıq bolǵan."
 },
 "prior_custody": {
  "uz-Cyrl": "У илгари қамоқда ёки ҳибсда бўлган (қамоқ, ушлаб туриш ёки жазо муддати).",
  "kaa": "Ol burın qamaqta yamasa qamawda bolǵan (qamaw, uslap turıw yamasa jaza múddeti)."
 },
 "prior_breach": {
  "uz-Cyrl": "У илгари ҳимоя ордери, гаров ёки бошқа шартларни бузган.",
  "kaa": "Ol burın qorǵaw orderin, kepillikti yamasa basqa shártlerdi buzǵan."
 },
 "threat_at_incident": {
  "uz-Cyrl": "Ордер берилган воқеада у кимгадир зарар етказиш ёки ўлдириш билан таҳдид қилган.",
  "kaa": "Order berilgen waqıyada ol birewge zıyan keltiriw yamasa óltiriw menen qorqıtqan."
 },
 "confinement_at_incident": {
  "uz-Cyrl": "Ўша воқеада у аёлни иродасига қарши ушлаб турган ёки кетишига йўл қўймаган.",
  "kaa": "Sol waqıyada ol hayaldı óz erkine qarsı uslap turǵan yamasa ketiwine jol qoymaǵan."
 },
 "victim_fear": {
  "uz-Cyrl": "Аёл у яна зарар етказишидан қўрқишини айтади.",
  "kaa": "Hayal onıń jáne zıyan keltiriwinen qorqatuǵının aytadı."
 },
 "children_in_home": {
  "uz-Cyrl": "Хонадонда болалар яшайди (аёлнинг, эркакнинг ёки умумий).",
  "kaa": "Úyde balalar jasaydı (hayaldıń, erkektiń yamasa ekewiniń ulıwma balaları)."
 },
 "her_child_from_before": {
  "uz-Cyrl": "Аёлнинг олдинги муносабатлардан фарзанди бор.",
  "kaa": "Hayaldıń aldınǵı qatnasıqlarınan perzenti bar."
 },
 "violence_to_others_in_home": {
  "uz-Cyrl": "У болаларга ёки хонадондаги бошқа одамларга нисбатан зўравонлик қилган.",
  "kaa": "Ol balalarǵa yamasa úydegi basqa adamlarǵa qarata zorlıq islegen."
 },
 "substance_misuse": {
  "uz-Cyrl": "У спиртли ичимлик ёки гиёҳванд моддаларни суистеъмол қилади ёки воқеа пайтида маст бўлган.",
  "kaa": "Ol spirtli ishimlikti yamasa narkotiklerdi shamadan tıs paydalanadı yamasa waqıya waqtında mas bolǵan."
 },
 "assault_in_pregnancy": {
  "uz-Cyrl": "У аёлга ҳомиладорлик пайтида ҳужум қилган.",
  "kaa": "Ol hayalǵa júkli waqtında hújim jasaǵan."
 },
 "barriers_to_support": {
  "uz-Cyrl": "Аёлнинг ёрдам олиши қийин: телефони ёки транспорти йўқ, узоқда яшайди, моддий жиҳатдан унга қарам ёки оиласидан ажратилган.",
  "kaa": "Hayalǵa járdem alıw qıyın: telefonı yamasa transportı joq, alısta jasaydı, materiallıq jaqtan oǵan ǵárezli yamasa shańaraǵınan ajıratılǵan."
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
                                 "definition": definition, "created_by": "migration-0008"}])


def downgrade() -> None:
    op.execute(sa.delete(INSTRUMENT).where(INSTRUMENT.c.created_by == "migration-0008"))
