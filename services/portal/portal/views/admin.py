"""The administrator's pages: staff accounts (create, edit, switch off, a new temporary password, unlock, a new
second factor), the areas users are placed in, and the programmes enrollment runs; and the audit log, which
auditors search too.

Every change of a user goes through `accounts`, which publishes `portal.user.changed` in the same transaction.
A temporary password is shown once, in the answer to the POST that made it, and never stored or logged in clear.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from qadam.audit import search_page
from qadam.auth import Reach, allow
from qadam.log import get_logger
from qadam_contracts.roles import ACCESS_POLICY, STAFF_ROLES, Role
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words import vocabulary
from qadam_words.places import is_named, unnamed_languages
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import accounts
from ..areas import publish_district
from ..backend import ServiceError
from ..clients import clients
from ..forms import USER_FIELDS, ProgrammeForm, UserForm, read
from ..i18n import LANGUAGE_NAMES, area_name, district_name, lazy_shared, place_options, region_name
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import Area, LoginSession, SignInAttempt, User
from ..staff_search import find_users
from ..websession import sessions, settings_now
from .auth import OUTCOME_NAMES
from .common import form_key, local_today, page_number, parse_day
from .home import ROLE_NAMES

log = get_logger(__name__)
bp = Blueprint("admin", __name__)

AREA_NAME_MAX = 100

# Whom an unacknowledged alert is escalated to.
SUPERVISING_ROLES = (Role.SUPERVISOR.value, Role.MANAGER.value)
# A change of these signs the user out: their next token must carry the new role and area.
SCOPE_FIELDS = ("role", "region", "district", "mahalla")

# the programme templates' names: the shared words of every service (qadam_words)
TEMPLATE_NAMES = lazy_shared({key: template.name for key, template in vocabulary.PROGRAMME_TEMPLATES.items()})
MORE_OUTCOMES = {"unknown_user": _l("Unknown user name")}


# -- the areas -------------------------------------------------------------------------------------------------
@dataclass
class Places:
    """The Area table as the forms need it: regions in their order, their districts, the districts' mahallas."""

    regions: list[str] = field(default_factory=list)
    districts: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    mahallas: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def has_district(self, region: str, district: str) -> bool:
        return any(name == district for _id, name in self.districts.get(region, []))

    def has_mahalla(self, region: str, district: str, mahalla: str) -> bool:
        return mahalla in self.mahallas.get((region, district), [])


def load_places(db: Session) -> Places:
    places = Places()
    rows = db.execute(sa.select(Area).order_by(Area.id)).scalars().all()
    for row in rows:
        if row.district is None:
            places.regions.append(row.region)
    for row in sorted(rows, key=lambda r: (r.district or "").casefold()):
        if row.district is not None and row.mahalla is None:
            places.districts[row.region].append((row.id, row.district))
    for row in sorted(rows, key=lambda r: (r.mahalla or "").casefold()):
        if row.district is not None and row.mahalla is not None:
            places.mahallas[(row.region, row.district)].append(row.mahalla)
    return places


def load_regions(db: Session) -> list[str]:
    """The regions alone, in the order of `Places.regions`."""
    return list(db.execute(sa.select(Area.region).where(Area.district.is_(None)).order_by(Area.id)).scalars())


# -- the user form ---------------------------------------------------------------------------------------------
FORM_FIELDS = USER_FIELDS


def _form_of(user: User) -> dict[str, str]:
    """A user as the form shows them (strings, empty for nothing)."""
    form = {k: getattr(user, k) for k in FORM_FIELDS}
    for key in ("quiet_start", "quiet_end"):
        form[key] = form[key].strftime("%H:%M") if form[key] else ""
    return {k: "" if v is None else str(v) for k, v in form.items()}


def _typed(form: Mapping[str, str]) -> dict[str, str]:
    out = {k: (form.get(k) or "").strip() for k in FORM_FIELDS}
    out["id"] = out["id"].lower()
    out["display_name"] = " ".join(out["display_name"].split())
    out["phone"] = re.sub(r"[\s()-]", "", out["phone"])
    return out


def validate_user(db: Session, form: dict[str, str], places: Places, *,
                  user: User | None) -> tuple[dict[str, Any], dict[str, str]]:
    """(values for accounts.create_user / update_user, errors by field), by forms.UserForm. `user` is the one edited
    (None: a new one); what they have now is accepted as it is, even where the Area table no longer lists it."""
    return read(UserForm(places=places, current=_form_of(user) if user is not None else None,
                         id_taken=lambda user_id: db.get(User, user_id) is not None,
                         supervisor_ids={s.id for s in _supervisors(db)}), form)


def _supervisors(db: Session) -> list[User]:
    return list(db.execute(sa.select(User).where(User.active.is_(True), User.role.in_(SUPERVISING_ROLES))
                           .order_by(User.display_name, User.id)).scalars())


def _form_page(template: str, db: Session, form: dict[str, str], errors: dict[str, str], status: int = 200,
               **context: Any) -> tuple[str, int]:
    places = load_places(db)
    chosen = form.get("region") or None
    supervisors = [s for s in _supervisors(db) if s.id != form.get("id")]
    if form.get("supervisor_id") and form["supervisor_id"] not in {s.id for s in supervisors}:
        held = db.get(User, form["supervisor_id"])  # theirs now, though no longer a supervisor: keep it visible
        if held is not None:
            supervisors.append(held)
    # the values sent back and the groups' keys are the stored identifiers; the words shown, the user's language's
    region_groups = [(r, region_name(r), place_options((d for _id, d in places.districts[r]), "district"))
                     for r in places.regions if places.districts.get(r)]
    mahalla_groups = [(f"{r} / {d}", area_name(r, d), [(m, m) for m in places.mahallas.get((r, d), [])])
                      for r in places.regions if chosen in (None, r)
                      for _id, d in places.districts.get(r, []) if places.mahallas.get((r, d))]
    return render_template(
        template, form=form, errors=errors,
        role_options=[(r, ROLE_NAMES[r]) for r in STAFF_ROLES],
        region_options=place_options(_with_current(places.regions, form.get("region")), "region"),
        district_groups=_with_current_group(region_groups, form.get("region"), form.get("district"),
                                            kind="district"),
        mahalla_groups=_with_current_group(mahalla_groups, f"{form.get('region')} / {form.get('district')}",
                                           form.get("mahalla")),
        language_options=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        supervisor_options=[(s.id, f"{s.display_name} ({s.id}) — {ROLE_NAMES[s.role]}"
                                   + (f", {region_name(s.region)}" if s.region else "")) for s in supervisors],
        district_roles=[ROLE_NAMES[r] for r in STAFF_ROLES if ACCESS_POLICY.reach(r) is Reach.DISTRICT],
        region_roles=[ROLE_NAMES[r] for r in STAFF_ROLES if ACCESS_POLICY.reach(r) is Reach.REGION],
        either_roles=[ROLE_NAMES[r] for r in STAFF_ROLES if r in ACCESS_POLICY.national_unless_placed],
        **context), status


def _with_current(options: list[str], value: str | None) -> list[str]:
    return options if not value or value in options else [*options, value]


Group = tuple[str, str, list[tuple[str, str]]]  # (key: identifiers, label: in the user's language, [(value, text)])


def _with_current_group(groups: list[Group], group: str | None, value: str | None, *,
                        kind: str | None = None) -> list[Group]:
    """A value the user holds though the Area table no longer lists it stays selectable (not silently dropped);
    `kind`: the kind of place the values are (their words then in the user's language), None for a mahalla."""
    if not value or any(key == group and any(v == value for v, _t in items) for key, _label, items in groups):
        return groups
    label = (region_name(group) if kind == "district" else area_name(*(group or "").split(" / ", 1))) if group else ""
    return [*groups, (group or "", label, place_options([value], kind) if kind else [(value, value)])]


# -- the users' list -------------------------------------------------------------------------------------------
def user_filters(args: Mapping[str, str]) -> dict[str, str]:
    """The users' list's filters from the query string, each "" when not given or not one the list offers."""
    return {"role": args.get("role", "") if args.get("role") in STAFF_ROLES else "",
            "region": (args.get("region") or "").strip(),
            "active": args.get("active", "") if args.get("active") in ("yes", "no") else "",
            "q": " ".join((args.get("q") or "").split())[:100]}


@bp.get("/admin/users")
@allow(Role.ADMINISTRATOR)
def users() -> Any:
    """Every member of staff, filtered by role, region, whether active, and a name or user name (in either script
    of Uzbek); a page at a time."""
    filters = user_filters(request.args)
    with sessions()() as db:
        found = find_users(db, settings_now(), filters=filters, page=page_number(request.args))
        regions = load_regions(db)
        chains = supervisor_chains(db, found.users)
    kept: dict[str, Any] = {k: v for k, v in filters.items() if v}  # url_for's keywords
    return render_template(
        "admin/users.html", users=found.users, filters=filters, page=found.page, pages=found.pages,
        total=found.total, last_sign_in=found.last_sign_in, locked=found.locked, chains=chains,
        role_options=[(r, ROLE_NAMES[r]) for r in STAFF_ROLES],
        region_options=place_options(regions, "region"),
        active_options=[("yes", _("Active")), ("no", _("Switched off"))],
        page_url=lambda n: url_for("admin.users", page=n, **kept))


CHAIN_MOST = 10  # a chain longer than this (or one that comes back on itself) is cut where it repeats


def supervisor_chains(db: Session, users: Sequence[User]) -> dict[str, list[str]]:
    """{user id: the names of their supervisor, that one's supervisor, ... up the chain}: whom their unanswered
    alerts go to, in turn. A chain that comes back to someone already in it stops there."""
    people = {row.id: (row.display_name, row.supervisor_id) for row in db.execute(
        sa.select(User.id, User.display_name, User.supervisor_id)).all()}
    chains: dict[str, list[str]] = {}
    for user in users:
        chain: list[str] = []
        seen, above = {user.id}, user.supervisor_id
        while above and above not in seen and above in people and len(chain) < CHAIN_MOST:
            seen.add(above)
            name, next_up = people[above]
            chain.append(name)
            above = next_up
        chains[user.id] = chain
    return chains


# -- a new user ------------------------------------------------------------------------------------------------
@bp.route("/admin/users/new", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def user_new() -> Any:
    """A new member of staff, with a temporary password shown once: they choose their own at first sign-in."""
    if request.method == "GET":
        form = dict.fromkeys(FORM_FIELDS, "")
        form.update(language="uz-Latn", role=request.args.get("role", ""), region=request.args.get("region", ""))
        with sessions()() as db:
            return _form_page("admin/user_new.html", db, form, {})
    form = _typed(request.form)
    settings = settings_now()
    password = ""
    try:
        with sessions().begin() as db:
            values, errors = validate_user(db, form, load_places(db), user=None)
            if not errors:
                password = accounts.temporary_password(values["id"])
                created = accounts.create_user(db, settings, values, password)
                name = created.display_name
    except IntegrityError:  # the same user name created a moment ago by another administrator
        errors = {"id": _("The user name %(id)s is taken. Choose another.", id=form["id"])}
    if errors:
        with sessions()() as db:
            return _form_page("admin/user_new.html", db, form, errors, 422)
    log.info("user_created", subject=form["id"], role=form["role"], by=g.user.id)
    return render_template("admin/password.html", user_id=form["id"], name=name, password=password,
                           created=True), 201


# -- one user --------------------------------------------------------------------------------------------------
def _user_or_404(db: Session, user_id: str, *, lock: bool = False) -> User:
    user = db.get(User, user_id, with_for_update=lock)
    if user is None:
        abort(404)
    return user


def _user_page(db: Session, user: User, form: dict[str, str], errors: dict[str, str],
               status: int = 200) -> tuple[str, int]:
    settings = settings_now()
    attempts = list(db.execute(sa.select(SignInAttempt).where(SignInAttempt.user_id == user.id)
                               .order_by(SignInAttempt.at.desc(), SignInAttempt.id.desc()).limit(20)).scalars())
    open_sessions = list(db.execute(sa.select(LoginSession).where(LoginSession.user_id == user.id,
                                                                  LoginSession.ended_at.is_(None))
                                    .order_by(LoginSession.last_seen_at.desc())).scalars())
    return _form_page("admin/user_edit.html", db, form, errors, status, user=user, attempts=attempts,
                      open_sessions=open_sessions, locked=accounts.refused_until(db, settings, [user.id]).get(user.id),
                      failures=accounts.failures_counted(db, settings, user.id),
                      second_factor_required=user.role in settings.totp_roles,
                      outcome_names={**OUTCOME_NAMES, **MORE_OUTCOMES}, myself=user.id == g.user.id)


@bp.route("/admin/users/<user_id>", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def user_edit(user_id: str) -> Any:
    """Everything about one member of staff but their user name, which the other services hold."""
    if request.method == "GET":
        with sessions()() as db:
            user = _user_or_404(db, user_id)
            return _user_page(db, user, _form_of(user), {})
    form = _typed({**request.form, "id": user_id})
    with sessions().begin() as db:
        user = _user_or_404(db, user_id, lock=True)
        values, errors = validate_user(db, form, load_places(db), user=user)
        if user.id == g.user.id and values.get("role") != Role.ADMINISTRATOR.value:
            errors["role"] = _("You cannot take away your own administrator role.")
        if not errors:
            scope_before = tuple(getattr(user, k) for k in SCOPE_FIELDS)
            changed = accounts.update_user(db, user, values)
            if changed and tuple(getattr(user, k) for k in SCOPE_FIELDS) != scope_before and user.id != g.user.id:
                accounts.end_sessions(db, user.id, "access_changed")
    if errors:
        with sessions()() as db:
            user = _user_or_404(db, user_id)
            return _user_page(db, user, form, errors, 422)
    if changed:
        log.info("user_changed", subject=user_id, by=g.user.id)
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/admin/users/<user_id>/active")
@allow(Role.ADMINISTRATOR)
def user_active(user_id: str) -> Any:
    """Switch an account off (signed out everywhere at once; their records stay) or on again."""
    active = request.form.get("active") == "1"
    if user_id == g.user.id and not active:
        flash(_("You cannot switch off your own account."), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    with sessions().begin() as db:
        user = _user_or_404(db, user_id, lock=True)
        accounts.update_user(db, user, {"active": active})
        name = user.display_name
    log.info("user_activated" if active else "user_deactivated", subject=user_id, by=g.user.id)
    flash(_("%(name)s can sign in again.", name=name) if active
          else _("%(name)s is switched off and signed out everywhere.", name=name), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/admin/users/<user_id>/password")
@allow(Role.ADMINISTRATOR)
def user_password(user_id: str) -> Any:
    """A new temporary password, shown once; the old one stops working and the user is signed out everywhere."""
    if user_id == g.user.id:
        flash(_("Change your own password on your account page."), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    with sessions().begin() as db:
        user = _user_or_404(db, user_id, lock=True)
        password = accounts.reset_password(db, settings_now(), user)
        name = user.display_name
    log.info("password_reset", subject=user_id, by=g.user.id)
    return render_template("admin/password.html", user_id=user_id, name=name, password=password, created=False)


@bp.post("/admin/users/<user_id>/unlock")
@allow(Role.ADMINISTRATOR)
def user_unlock(user_id: str) -> Any:
    with sessions().begin() as db:
        user = _user_or_404(db, user_id, lock=True)
        lifted = accounts.unlock(db, settings_now(), user)
    log.info("account_unlocked", subject=user_id, by=g.user.id, was_locked=lifted)
    flash(_("The account is unlocked.") if lifted else _("The account was not locked."), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/admin/users/<user_id>/second-factor")
@allow(Role.ADMINISTRATOR)
def user_second_factor(user_id: str) -> Any:
    """Forget a lost authenticator: the user is signed out and, where their role requires one, sets up a new one
    at the next sign-in."""
    if user_id == g.user.id:
        flash(_("Another administrator must reset your own second factor."), "error")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    with sessions().begin() as db:
        user = _user_or_404(db, user_id, lock=True)
        accounts.reset_second_factor(db, user)
        name, required = user.display_name, user.role in settings_now().totp_roles
    log.info("second_factor_reset", subject=user_id, by=g.user.id)
    flash(_("The second factor of %(name)s is reset and they are signed out. They set up a new one at the next "
            "sign-in.", name=name) if required else
          _("The second factor of %(name)s is reset and they are signed out. They can turn it on again on their "
            "account page.", name=name), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


# -- the areas -------------------------------------------------------------------------------------------------
class _Refused(Exception):
    pass


def _area_name(text: str | None) -> str:
    return " ".join((text or "").split())


AREA_FIELDS = ("kind", "district_region", "district_name", "mahalla_district", "mahalla_name")
AREA_KINDS = ("district", "mahalla")


@bp.route("/admin/areas", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def areas() -> Any:
    """The regions, their districts and the districts' mahallas; add a district to a region or a mahalla to a
    district. Names are unique within their parent, whatever their case."""
    errors: dict[str, str] = {}
    form = {k: (request.form.get(k) or "") for k in AREA_FIELDS}
    if request.method == "POST":
        kind = form["kind"]
        if kind not in AREA_KINDS:
            abort(400)
        added, parent = add_area(kind=kind, form=form, errors=errors)
        if not errors:
            log.info("area_added", kind=kind, name=added, parent=parent, by=g.user.id)
            # added and parent are the stored names (so the log has them); the notice names them in her language
            flash(_("District %(name)s is added to %(parent)s.", name=district_name(added),
                    parent=region_name(parent)) if kind == "district"
                  else _("Mahalla %(name)s is added to %(parent)s.", name=added,
                         parent=area_name(*parent.split(" / ", 1))), "success")
            return redirect(url_for("admin.areas"))
    return _areas_page(form, errors)


def add_area(*, kind: str, form: dict[str, str], errors: dict[str, str]) -> tuple[str, str]:
    """Add the district or mahalla (`kind`) the form names, in one transaction: (its name, its parent's). What is
    wrong goes into `errors`, and then nothing is added."""
    add = _add_district if kind == "district" else _add_mahalla
    added, parent = "", ""
    try:
        with sessions().begin() as db:
            added, parent = add(db, form, errors)
            if errors:
                raise _Refused
            db.flush()
    except _Refused:
        pass
    except IntegrityError:  # the same name added at the same moment by someone else
        errors[f"{kind}_name"] = _("%(name)s is there already.", name=form[f"{kind}_name"])
    return added, parent


def _areas_page(form: dict[str, str], errors: dict[str, str]) -> tuple[str, int]:
    with sessions()() as db:
        places = load_places(db)
    return render_template("admin/areas.html", places=places, form=form, errors=errors,
                           region_options=place_options(places.regions, "region"),
                           district_groups=[(r, region_name(r), [(str(i), district_name(d))
                                                                 for i, d in places.districts.get(r, [])])
                                            for r in places.regions if places.districts.get(r)],
                           unnamed=_unnamed(places)), \
        422 if errors else 200


def _unnamed(places: Places) -> dict[str, list[str]]:
    """{district: the languages it has no name of its own in, named in themselves} for the districts the places
    catalogue (qadam_words.places) does not name yet: those pages show it as written until a release names it."""
    return {district: [LANGUAGE_NAMES[language] for language in unnamed_languages(district, "district")]
            for districts in places.districts.values() for _id, district in districts
            if not is_named(district, "district")}


def _taken(db: Session, *where: Any) -> bool:
    return db.execute(sa.select(Area.id).where(*where).limit(1)).first() is not None


def _checked_name(form: dict[str, str], key: str, errors: dict[str, str]) -> str:
    name = _area_name(form[key])
    form[key] = name
    if not name:
        errors[key] = _("Give the name.")
    elif len(name) > AREA_NAME_MAX:
        errors[key] = _("Use at most %(n)s characters.", n=AREA_NAME_MAX)
    return name


def _add_district(db: Session, form: dict[str, str], errors: dict[str, str]) -> tuple[str, str]:
    region = form["district_region"]
    name = _checked_name(form, "district_name", errors)
    if not _taken(db, Area.region == region, Area.district.is_(None)):
        errors["district_region"] = _("Choose a region from the list.")
    elif name and "district_name" not in errors and _taken(
            db, Area.region == region, sa.func.lower(Area.district) == name.lower(), Area.mahalla.is_(None)):
        errors["district_name"] = _("%(region)s has a district named %(name)s already.", region=region_name(region),
                                    name=name)
    if not errors:
        db.add(Area(region=region, district=name, mahalla=None, version=1))
        db.flush()
        publish_district(db, region, name, changed=False)  # enrollment takes its districts from these
    return name, region


def _add_mahalla(db: Session, form: dict[str, str], errors: dict[str, str]) -> tuple[str, str]:
    name = _checked_name(form, "mahalla_name", errors)
    try:
        district = db.get(Area, int(form["mahalla_district"]))
    except ValueError:
        district = None
    if district is None or district.district is None or district.mahalla is not None:
        errors["mahalla_district"] = _("Choose a district from the list.")
        return name, ""
    parent = f"{district.region} / {district.district}"
    if name and "mahalla_name" not in errors and _taken(
            db, Area.region == district.region, Area.district == district.district,
            sa.func.lower(Area.mahalla) == name.lower()):
        errors["mahalla_name"] = _("%(district)s has a mahalla named %(name)s already.",
                                   district=district_name(district.district),
                                   name=name)
    if not errors:
        db.add(Area(region=district.region, district=district.district, mahalla=name))
        db.flush()
        publish_district(db, district.region, district.district)
    return name, parent


# -- programmes ------------------------------------------------------------------------------------------------
PROGRAMME_FIELDS = ("name", "template", "region")


@bp.route("/admin/programmes", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def programmes() -> Any:
    """The programmes enrollment runs, each with its versions; a new one from a shipped template, national or for
    one region."""
    form = {k: (request.form.get(k) or "").strip() for k in PROGRAMME_FIELDS}
    errors: dict[str, str] = {}
    with sessions()() as db:
        regions = load_regions(db)
    if request.method == "POST":
        form["name"] = " ".join(form["name"].split())
        _values, errors = read(ProgrammeForm(), request.form)
        if form["region"] and form["region"] not in regions:
            errors["region"] = _("Choose a region from the list, or none for a national programme.")
        if not errors:
            errors = _define_programme(form)
        if not errors:
            flash(_("Programme %(name)s is defined.", name=form["name"]), "success")
            return redirect(url_for("admin.programmes"))
    return render_template("admin/programmes.html", programmes=programme_lineages(), form=form, errors=errors,
                           template_names=TEMPLATE_NAMES, template_options=list(TEMPLATE_NAMES.items()),
                           region_options=place_options(regions, "region"),
                           idempotency_key=str(uuid.uuid4())), 422 if errors else 200


def programme_lineages() -> list[dict[str, Any]]:
    """Every programme enrollment runs, retired ones too, by name: its current version and all its versions."""
    versions: dict[str, list[Any]] = defaultdict(list)
    for item in clients.enrollment.all_programmes(include_retired=True):
        versions[item["lineage_id"]].append(item)
    listed: list[dict[str, Any]] = [{"current": max(v, key=lambda p: p["version"]),
                                     "versions": sorted(v, key=lambda p: p["version"])} for v in versions.values()]
    listed.sort(key=lambda p: str(p["current"]["name"]).casefold())
    return listed


def _define_programme(form: dict[str, str]) -> dict[str, str]:
    """POST it to enrollment; its refusals as errors by field of this form."""
    key = form_key("idempotency_key")
    try:
        clients.enrollment.define_programme(body={"name": form["name"], "template": form["template"],
                                                  "region": form["region"] or None}, idempotency_key=key)
    except ServiceError as error:
        if error.status == 409:
            return {"name": _("A programme named %(name)s exists already. To change it, make a new version.",
                              name=form["name"])}
        if error.status == 422:
            errors: dict[str, str] = {}
            for name, message in error.field_errors().items():
                top = name.split(".")[0]
                target, text = (top, message) if top in PROGRAMME_FIELDS else ("name", f"{name}: {message}")
                errors[target] = f"{errors[target]} {text}" if target in errors else text
            return errors or {"name": error.detail or error.title}
        raise
    log.info("programme_defined", name=form["name"], template=form["template"], region=form["region"],
             by=g.user.id)
    return {}


# -- the audit log ---------------------------------------------------------------------------------------------
AUDIT_PAGE_SIZE = 50
# the portal's own pages, then each service it calls (its audit log is read through that service's API)
SOURCE_NAMES = {"portal": _l("Portal pages"), "enrollment": _l("Enrolment (API)"), "sessions": _l("Sessions (API)"),
                "risk": _l("Risk (API)"), "notify": _l("Alerts (API)")}
AUDIT_SOURCES = tuple(SOURCE_NAMES)
ACTION_NAMES = {"read": _l("Viewed"), "write": _l("Changed")}


class AuditQuery(TypedDict):
    """The fields of an audit search that the portal's own log and every service's API take alike."""

    user_id: str | None
    action: str | None
    page: int
    page_size: int
    up_to_id: int | None
    since: datetime | None
    until: datetime | None


@dataclass
class AuditSearch:
    """An audit search as the query string asks for it: the filters as typed (for the form), what is wrong with
    them, the page, and the newest entry later pages hold still at."""

    filters: dict[str, str]
    errors: dict[str, str]
    page: int
    up_to_id: int | None
    since: datetime | None
    until: datetime | None

    def query(self) -> AuditQuery:
        """This search as the log is asked it."""
        return {"user_id": self.filters["user_id"] or None, "action": self.filters["action"] or None,
                "page": self.page, "page_size": AUDIT_PAGE_SIZE, "up_to_id": self.up_to_id,
                "since": self.since, "until": self.until}


def read_audit_search(args: Mapping[str, str]) -> AuditSearch:
    """The audit search of the query string: unknown sources and actions left out, days checked."""
    errors: dict[str, str] = {}
    zone = settings_now().zone
    invalid_day = _l("Write the date as year-month-day, for example %(example)s.", example=local_today().isoformat())
    source = args.get("source", "")
    filters = {"source": source if source in AUDIT_SOURCES else "portal",
               "user_id": " ".join((args.get("user_id") or "").replace("\x00", "").split())[:100],
               "action": args.get("action", "") if args.get("action") in ACTION_NAMES else "",
               "from": args.get("from", "").strip()[:10], "to": args.get("to", "").strip()[:10]}
    first, last = parse_day(args, "from", errors, invalid_day), parse_day(args, "to", errors, invalid_day)
    if first and last and first > last:
        errors["from"] = _("The first day comes after the last.")
    if last == date.max:
        last = None  # the end of the calendar: no upper bound
    try:  # later pages hold still at the newest entry of the first (new entries, this search's own among them)
        up_to_id = max(1, int(args["up_to"])) if "up_to" in args else None
    except ValueError:
        up_to_id = None
    # days in the country's time zone: from the first one's midnight to the midnight after the last
    return AuditSearch(filters=filters, errors=errors, page=page_number(args, 1_000_000), up_to_id=up_to_id,
                       since=datetime.combine(first, time(), zone) if first else None,
                       until=datetime.combine(last + timedelta(days=1), time(), zone) if last else None)


def search_audit_log(search: AuditSearch) -> Mapping[str, Any]:
    """A page of the log the search names: the portal's own, or a service's through its API (nothing when the
    search has errors)."""
    if search.errors:
        return {"items": [], "total": 0, "page_size": AUDIT_PAGE_SIZE}
    if search.filters["source"] == "portal":
        with sessions()() as db:
            return search_page(db, search.query())
    return getattr(clients, search.filters["source"]).audit(**{  # type: ignore[no-any-return]
        k: v.isoformat() if isinstance(v, datetime) else v for k, v in search.query().items()})


@bp.get("/audit")
@allow(*ACCESS_POLICY.audit_readers)  # the same readers as every service's GET /audit it searches
def audit_log() -> Any:
    """Who opened or changed what: the portal's own log (its pages, staff accounts) or a service's (through its
    API, which answers an auditor's search itself), newest first, by user, read or change and days."""
    search = read_audit_search(request.args)
    body = search_audit_log(search)
    page, up_to_id = search.page, search.up_to_id
    kept: dict[str, Any] = {k: v for k, v in search.filters.items() if v}  # url_for's keywords
    if up_to_id is None and body["items"] and page == 1:
        up_to_id = body["items"][0]["id"]
    if up_to_id is not None:
        kept["up_to"] = up_to_id
    return render_template(
        "admin/audit.html", filters=search.filters, errors=search.errors, entries=body["items"],
        total=body["total"], page=page, pages=max(1, math.ceil(body["total"] / body["page_size"])),
        up_to_id=up_to_id if page > 1 else None, source_options=[(s, SOURCE_NAMES[s]) for s in AUDIT_SOURCES],
        action_options=list(ACTION_NAMES.items()), action_names=ACTION_NAMES,
        page_url=lambda n: url_for("admin.audit_log", page=n, **kept))


# -- alerts nobody can be escalated to ----------------------------------------------------------------------------
UNASSIGNED_PAGE_SIZE = 50


@bp.get("/admin/escalations")
@allow(Role.ADMINISTRATOR)
def unassigned() -> Any:
    """Alerts that found nobody to escalate to: no active supervisor above the person who has not answered, in the
    directory or in the man's district or region. Notify tries each again; a supervisor added or set here is found
    at the next try."""
    page = page_number(request.args, 1_000_000)
    body = clients.notify.unassigned_escalations(page=page, page_size=UNASSIGNED_PAGE_SIZE)
    return render_template(
        "admin/unassigned.html", items=body["items"], total=body["total"], page=page,
        pages=max(1, math.ceil(body["total"] / body["page_size"])), role_names=ROLE_NAMES,
        level_names=UNASSIGNED_LEVELS, page_url=lambda n: url_for("admin.unassigned", page=n))


UNASSIGNED_LEVELS = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
