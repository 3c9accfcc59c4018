"""What only the add-on's flow writes, declared once and enforced in one place.

A field declares ``flow_only=True`` when nobody but the flow may give it a
value (counters, ledger links, service-level facts, signatures, a repair's
state), or ``flow_only=<domain>`` when that holds for the records the domain
matches only (the recurring lines of a service contract, posted invoice
lines).  A model extending another module's model may declare those fields
in ``_flow_only_declared`` (``{field name: True or domain}``) instead.  A
model declares ``_flow_owned = True`` when all its records are the flow's
(the ledger, billing lines, holds), or ``_flow_owned = <domain>`` for the
records it may not lose while the flow depends on them.

The checks below hold on ``create`` (its values and the ``default_*`` keys of
the context), ``write``, ``copy`` and ``unlink``, whoever calls them: the only
way through is the flow's own code, inside
:func:`~.ledger_guard.ledger_writer`, which no client can enter.  Many2many
fields of other models that share a protected relation's table declare
``flow_only`` as well, so the relation cannot be written from its other side.
"""

from odoo import api, models
from odoo.exceptions import AccessError

from .ledger_guard import granted, is_ledger_writer, ledger_writer

# What anyone may do on a record the flow owns: talk about it.
CHATTER_PREFIXES = ("message_", "activity_", "website_message_", "rating_")
MAGIC_FIELDS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date"})
MODULE = "service_entitlement"


class Base(models.AbstractModel):
    _inherit = "base"

    _flow_owned = False
    _flow_only_declared = {}

    def _flow_write(self, vals):
        """Write what only the flow writes, as the flow: inside
        :func:`~.ledger_guard.ledger_writer`, and as superuser (the fact is
        the flow's, whoever's action recorded it: a desk clerk sending a
        claim may not write the claim's sent date himself)."""
        with ledger_writer():
            # sudo: the fact is the flow's, whoever's action recorded it
            return self.sudo().write(vals)

    @api.model
    def _flow_create(self, vals_list):
        """Create records only the flow makes (ledger rows, billing lines,
        holds, claims), as the flow and as superuser, whoever's action made
        them."""
        with ledger_writer():
            # sudo: the records are the flow's, whoever's action made them
            return self.sudo().create(vals_list)

    def _flow_unlink(self):
        """Delete records only the flow may delete, as the flow."""
        with ledger_writer():
            # sudo: the records are the flow's, whoever's action deletes them
            return self.sudo().unlink()

    def _valid_field_parameter(self, field, name):
        return name == "flow_only" or super()._valid_field_parameter(field, name)

    @api.model
    def _flow_only_fields(self):
        """``{field name: True or domain}`` of the fields only the flow
        writes; for a model the flow owns, every stored field but the
        chatter's."""
        cls = type(self)
        declared = cls.__dict__.get("_flow_only_cache")
        if declared is None:
            if self._flow_owned is True:
                # Stored computed and related fields too: what a client sends
                # for them would be written as sent.
                declared = {
                    fname: True
                    for fname, field in self._fields.items()
                    if not fname.startswith(CHATTER_PREFIXES)
                    and fname not in MAGIC_FIELDS
                    and (field.store or field.inverse or not field.compute)
                }
            else:
                declared = {
                    fname: True
                    for fname, field in self._fields.items()
                    if self._flow_is_derived(field)
                }
                declared.update(
                    (fname, field.flow_only)
                    for fname, field in self._fields.items()
                    if getattr(field, "flow_only", False)
                )
                declared.update(self._flow_only_declared)
            cls._flow_only_cache = declared
        return declared

    @api.model
    def _flow_is_derived(self, field):
        """A stored computed or related field of the add-on that nobody
        sets: its compute writes it, a value sent for it is the flow's."""
        return bool(
            field.store
            and field.compute
            and field.readonly
            and not field.inverse
            and MODULE in (field._modules or ())
        )

    def _flow_refuse(self, fname):
        field = self._fields[fname]
        raise AccessError(
            self.env._(
                "%(field)s (%(model)s) follows the service flow: it is set by "
                "its actions only and cannot be written directly.",
                field=field._description_string(self.env),
                model=self.env["ir.model"]._get(self._name).name,
            )
        )

    def _flow_differs(self, fname, value, records):
        """Whether writing ``value`` would change ``fname`` on ``records``
        (on a new record: whether it differs from the field's default)."""
        field = self._fields[fname]
        if not records:
            default = field.default(self) if field.default else False
            new = field.convert_to_cache(value, self, validate=False)
            return new != field.convert_to_cache(default, self, validate=False)
        return any(
            field.convert_to_cache(value, record, validate=False)
            != field.convert_to_cache(record[fname], record, validate=False)
            for record in records
        )

    def _flow_check_vals(self, vals, records):
        """Refuse the protected values of ``vals`` that ``records`` (empty on
        create) do not already hold."""
        protected = self._flow_only_fields()
        for fname in sorted(protected.keys() & vals.keys() - granted(self._name)):
            condition = protected[fname]
            if condition is True:
                targets = records
            elif records:
                targets = records.filtered_domain(condition)
                if not targets:
                    continue
            else:
                if not self.new(vals).filtered_domain(condition):
                    continue
                targets = records
            if self._flow_differs(fname, vals[fname], targets):
                self._flow_refuse(fname)

    @api.model
    def _flow_effective_defaults(self):
        """The protected fields' values that a new record would get besides
        its values: the user's saved defaults (``ir.default``, which Odoo
        applies inside ``create``), then the context's ``default_<field>``
        keys, which win over them."""
        protected = self._flow_only_fields()
        saved = self.env["ir.default"]._get_model_defaults(self._name)
        defaults = {
            fname: value for fname, value in saved.items() if fname in protected
        }
        defaults.update(
            (key[8:], value)
            for key, value in self.env.context.items()
            if key.startswith("default_") and key[8:] in protected
        )
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        if self._flow_only_fields() and not is_ledger_writer():
            if self._flow_owned is True:
                raise AccessError(
                    self.env._(
                        "%(model)s records are written by the service flow "
                        "only; they cannot be created directly.",
                        model=self.env["ir.model"]._get(self._name).name,
                    )
                )
            defaults = self._flow_effective_defaults()
            for vals in vals_list:
                self._flow_check_vals({**defaults, **vals}, self.browse())
        return super().create(vals_list)

    def write(self, vals):
        if self and self._flow_only_fields() and not is_ledger_writer():
            self._flow_check_vals(vals, self)
        return super().write(vals)

    def copy_data(self, default=None):
        """A copy starts with none of the flow's facts of its original; what
        a condition froze on the original (the product, quantity and price
        of a posted invoice line) is kept, so that a reversal or a duplicate
        equals it."""
        vals_list = super().copy_data(default=default)
        protected = self._flow_only_fields()
        if protected and not is_ledger_writer() and self._flow_owned is not True:
            facts = [fname for fname, cond in protected.items() if cond is True]
            for vals in vals_list:
                for fname in facts:
                    vals.pop(fname, None)
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_flow_owned(self):
        if not self._flow_owned or is_ledger_writer():
            return
        owned = (
            self if self._flow_owned is True else self.filtered_domain(self._flow_owned)
        )
        if owned:
            raise AccessError(
                self.env._(
                    "%(model)s %(record)s belongs to the service flow and "
                    "cannot be deleted.",
                    model=self.env["ir.model"]._get(self._name).name,
                    record=owned[0].display_name,
                )
            )
