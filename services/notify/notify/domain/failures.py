"""Why a sending failed, as a code (a delivery's `failure_reason`, the code of its last failure): each reader says it
in its own language (the portal's alert page). `last_error` beside it keeps the technical detail, in English, for the
log and administrators."""

from __future__ import annotations

# this installation cannot send over the channel (no SMS gateway, no Telegram bot configured)
NOT_SET_UP = "not_set_up"
# the address on file is not one the channel can send to (not a phone number in international form, an e-mail
# address no mail header takes)
BAD_ADDRESS = "bad_address"
# the delivery carries no address for its channel
NO_ADDRESS = "no_address"
# the far side did not answer in time, or could not be reached at all
NO_ANSWER = "no_answer"
# the far side (the mail server, the SMS gateway, Telegram) answered with an error
REFUSED = "refused"
# notify could not write the message itself
UNWRITABLE = "unwritable"
# anything else: the detail is in `last_error`
OTHER = "other"
FAILURE_REASONS = (NOT_SET_UP, BAD_ADDRESS, NO_ADDRESS, NO_ANSWER, REFUSED, UNWRITABLE, OTHER)
