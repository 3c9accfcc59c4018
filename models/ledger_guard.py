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
def gain_loss_reason(reason):
    token = _REASON.set(reason)
    try:
        yield
    finally:
        _REASON.reset(token)


def current_reason(default):
    return _REASON.get() or default


@contextlib.contextmanager
def ledger_writer():
    """Let the code inside write the ledger, billing lines and technical
    fields of service documents."""
    token = _WRITER.set(True)
    try:
        yield
    finally:
        _WRITER.reset(token)


def is_ledger_writer():
    return _WRITER.get()
