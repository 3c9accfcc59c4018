"""Who may write what only the add-on's flow writes.

Terms and money move only through the add-on's own code paths: the fields and
models declared the flow's (see ``models/base.py``) are written inside
:func:`ledger_writer`, which only Python code of this process can enter.  A
request over the external API cannot: a context key could be sent by any
client, a context variable cannot.
"""

import contextlib
import contextvars

_WRITER = contextvars.ContextVar("service_entitlement_ledger_writer", default=False)

# Why the annual amount of the lines being written changes, when the code
# that writes them knows better than "the line value changed".
_REASON = contextvars.ContextVar("service_entitlement_gain_loss_reason", default=None)


@contextlib.contextmanager
def _scoped(var, value):
    """``var`` is ``value`` inside the block, as it was after it."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def gain_loss_reason(reason):
    return _scoped(_REASON, reason)


def current_reason(default):
    return _REASON.get() or default


def ledger_writer():
    """Let the code inside write the ledger, billing lines and technical
    fields of service documents."""
    return _scoped(_WRITER, True)


def is_ledger_writer():
    return _WRITER.get()


# Fields of a model that the step under way may write, and those only.
_GRANTS = contextvars.ContextVar("service_entitlement_flow_grants", default=None)


def flow_writes(model, *fnames):
    """Let the code inside write ``fnames`` of ``model`` (and nothing else
    of the flow's): a step of Odoo's own flow that carries the flow's facts,
    such as a credit note carrying the service period it reverses."""
    grants = dict(_GRANTS.get() or {})
    grants[model] = grants.get(model, frozenset()) | frozenset(fnames)
    return _scoped(_GRANTS, grants)


def granted(model):
    """The fields of ``model`` the step under way may write."""
    return (_GRANTS.get() or {}).get(model, frozenset())
