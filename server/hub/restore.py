"""A hub's copy returns to upstream's state of the records whose ops upstream rejected.

The hub applied such an op to its copy, so the copy holds what upstream refused, with a clock
later than upstream's: taking upstream's changes again would keep it. So the clocks the op gave
its record are dropped (server/engine/copy.py), and the hub pulls its kecamatan again from the
start: upstream's state of the record then wins field by field. A record that whole pull did not
bring is not upstream at all (the rejected op made it): it is deleted from the copy, and the
hub's devices pull the delete. Only producers and products are restored; a movement or a review
upstream rejected stays in the copy.
"""

from ..engine import hub_state
from ..engine.copy import drop_records, forget_clocks

RESTORED = ("producer", "product")


def restore_later(ops):
    """Forget what rejected ops wrote in the copy and start pulling upstream again from the beginning."""
    ops = [op for op in ops if op["entity"] in RESTORED]
    if not ops:
        return
    forget_clocks(ops)
    waiting = {tuple(key) for key in hub_state.recall("restoring", [])}
    hub_state.remember("restoring", sorted(waiting | {(op["entity"], op["entity_id"]) for op in ops}))
    hub_state.remember("cursor", None)


def seen(changes):
    """Note the records a page of upstream's changes brought: upstream holds them."""
    waiting = hub_state.recall("restoring")
    if waiting:
        brought = {(change["entity"], change["entity_id"]) for change in changes}
        hub_state.remember("restoring", [key for key in waiting if tuple(key) not in brought])


def finish():
    """After the whole kecamatan came again: delete from the copy what upstream does not hold."""
    waiting = hub_state.recall("restoring")
    if waiting:
        drop_records(waiting)
        hub_state.remember("restoring", [])
