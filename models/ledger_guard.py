"""Who may write the entitlement ledger and its billing lines.

Terms and money move only through the add-on's own code paths: the ledger
(``service.entitlement.consumption``), the billing lines, the link from an
invoice line to its billing line and the technical fields of consumer
documents are written inside :func:`ledger_writer`, which only Python code of
this process can enter.  A request over the external API cannot: a context key
could be sent by any client, a context variable cannot.
"""

import contextlib
import contextvars

from odoo.exceptions import AccessError

_WRITER = contextvars.ContextVar("service_entitlement_ledger_writer", default=False)


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


def check_ledger_writer(env, what):
    """Refuse a write of ``what`` that does not come from the add-on's code."""
    if not _WRITER.get():
        raise AccessError(
            env._(
                "%(what)s cannot be written directly: they follow from the "
                "repairs and their invoicing.",
                what=what,
            )
        )


def check_flow_fields(records, vals, fnames, message):
    """Refuse a client's value for fields of ``records`` that only the
    add-on's code writes (``fnames``): on create (``records`` empty) any value
    that is set, on write any value that differs from what a record holds;
    writing back what a field holds (as a form may) is harmless.
    ``message(field)`` says why."""
    if _WRITER.get():
        return
    for fname in sorted(set(fnames) & set(vals)):
        field = records._fields[fname]
        if records:
            changed = any(
                changed_values(record, {fname: vals[fname]}) for record in records
            )
        else:
            changed = bool(vals[fname])
        if changed:
            raise AccessError(message(field))


def changed_values(record, vals):
    """The part of ``vals`` that differs from what ``record`` holds."""
    return {
        fname: value
        for fname, value in vals.items()
        if record._fields[fname].convert_to_cache(value, record, validate=False)
        != record._fields[fname].convert_to_cache(record[fname], record, validate=False)
    }
