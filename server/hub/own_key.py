"""The hub's own signing key, registered on its account upstream, so that the tokens it signs hold there.

A hub signs tokens (for the phones it enrols, and on refresh) with its own key (JWT_PRIVATE_KEY,
as any server), naming its account id upstream as kid. The relay registers the key's public half
on that account (PUT /api/v1/hub/key) whenever the login answer shows another key or none: the
person who sets a hub up types no key, and a hub whose key was replaced registers it again. An
admin who takes a hub out of service changes its PIN (or its role), and the hub can no longer log in.
"""

from ..api.auth import current_signing_key
from ..engine import hub_state
from ..extensions import db
from ..web.signing_keys import public_jwk_members


def key_to_register(account):
    """Remember the hub's account id upstream (its login answer's `user`); answer the public key to
    put on that account (PUT /api/v1/hub/key), or None when it is there already."""
    hub_state.remember("account_id", account["id"])
    db.session.commit()
    mine = public_jwk_members(current_signing_key().public)
    return None if (account.get("public_key") or {}).get("x") == mine["x"] else mine
