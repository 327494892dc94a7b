"""How staff are reached: a user's contact, read by administrators or the user themself, and set by administrators."""

from __future__ import annotations

from flask.views import MethodView
from qadam.auth import allow, current_principal
from qadam.errors import Problem
from qadam.web import read_session, unit_of_work
from qadam_contracts.roles import Role

from ..commands import ContactDetails, set_contact
from ..models import Contact
from ..queries import contact
from ..schemas import ContactIn, ContactOut
from .blueprint import RECIPIENTS, blp


@blp.route("/contacts/<string:user_id>")
class Contacts(MethodView):
    @allow(*RECIPIENTS)
    @blp.response(200, ContactOut)
    def get(self, user_id: str) -> Contact:
        """How a user is reached (administrators, or the user themself)."""
        may_see_contact_of(user_id)
        with read_session() as s:
            return contact(s, user_id=user_id)

    @allow(Role.ADMINISTRATOR)
    @blp.arguments(ContactIn)
    @blp.response(200, ContactOut)
    def put(self, details: ContactDetails, user_id: str) -> Contact:
        """Set how a user is reached outside the app, their language, supervisor and quiet hours: the whole contact
        (a field left out is cleared). A request with no body or an empty object is refused (422) and changes
        nothing, so a client that lost its body cannot wipe someone's addresses. The portal's `portal.user.changed`
        events keep this up to date; this is for what the portal does not know yet."""
        with unit_of_work() as s:
            return set_contact(s, user_id=user_id, details=details)


def may_see_contact_of(user_id: str) -> None:
    """Administrators see anyone's contact; everyone else only their own (403)."""
    principal = current_principal()
    if principal.role != Role.ADMINISTRATOR and principal.user_id != user_id:
        raise Problem(403, "Only administrators see other users' contacts.")
