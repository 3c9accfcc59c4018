from odoo import Command, models
from odoo.tools import float_round

from .ledger_guard import ledger_writer


class ServiceEntitlement(models.Model):
    """What an entitlement does when a serial number it covers changes
    owner: its share of the terms goes with the serial number."""

    _inherit = "service.entitlement"

    def _transfer_share(self, lot):
        """The terms that go with ``lot`` when it changes owner: its part
        (``_transfer_weight``) of what is left (whole incidents)."""
        self.ensure_one()
        remaining = max(self.remaining_terms, 0.0)
        share = remaining * self._transfer_weight(lot)
        if self.allocation_type == "incidents":
            return float(int(share))
        return float_round(share, precision_digits=2, rounding_method="DOWN")

    def _transfer_weight(self, lot):
        """Part of the remaining terms that goes with ``lot``: an equal part
        of the serial numbers covered."""
        self.ensure_one()
        return 1.0 / max(len(self.lot_ids), 1)

    def _transfer_copy(self, lot, customer, share, date, state, **overrides):
        """The new owner's entitlement: the same terms for the rest of the
        term, covering ``lot`` only, with ``share`` terms; activated if the
        entitlement it comes from was (``state``, before the transfer)."""
        self.ensure_one()
        new = self.copy(
            {
                "name": self.env._("%(name)s (transferred)", name=self.name),
                "partner_id": customer.id,
                "date_start": max(date, self.date_start),
                "date_end": self.date_end,
                "total_terms": share,
                "lot_ids": [Command.set(lot.ids)],
                "product_ids": [Command.clear()],
                "product_categ_ids": [Command.clear()],
                "is_default": False,
                **overrides,
            }
        )
        if state in ("active", "waiting"):
            new.action_activate()
        return new

    def _transfer_release(self, lot, share):
        """``lot`` left its owner: the entitlement no longer covers it, and
        gives up the ``share`` of terms that went with it.  One that covered
        that serial number only covers nothing more: it is cancelled."""
        self.ensure_one()
        vals = {}
        if share:
            vals["total_terms"] = max(self.total_terms - share, self.used_terms)
        if self.lot_ids == lot and not (self.product_ids or self.product_categ_ids):
            vals["state"] = "cancelled"
        else:
            vals["lot_ids"] = [Command.unlink(lot.id)]
        with ledger_writer():
            self.write(vals)

    def _replace_unit(self, old, new, day):
        """``new`` replaces the unit ``old`` on ``day``: a service contract's
        lines of ``old`` now name ``new``; another entitlement covers ``new``
        instead of ``old`` for the rest of its term, or, when it says so
        (*Replacement Unit Starts Afresh*), ``new`` gets a term of its own
        from ``day`` (a copy covering it alone, as long as a new one) and the
        entitlement stops covering ``old``.  Returns the new entitlements."""
        made = self.browse()
        for rec in self:
            if rec.entitlement_type == "service_contract" and rec.contract_line_ids:
                lines = rec.contract_line_ids.filtered(
                    lambda line: (
                        line.lot_id == old
                        and not (line.date_end and line.date_end < day)
                    )
                )
                with ledger_writer():
                    lines.write({"lot_id": new.id})
            elif rec.replacement_fresh:
                made |= rec._transfer_copy(
                    new,
                    rec.partner_id,
                    rec.template_id.total_terms or rec.total_terms,
                    day,
                    rec.state,
                    name=self.env._("%(name)s (replacement)", name=rec.name),
                    date_start=day,
                    date_end=rec._replacement_end(day),
                )
                rec._transfer_release(old, 0.0)
            else:
                with ledger_writer():
                    rec.write(
                        {"lot_ids": [Command.unlink(old.id), Command.link(new.id)]}
                    )
        return made

    def _replacement_end(self, day):
        """Last day of a fresh term from ``day``: as long as a new one from
        the template, else as long as this one."""
        self.ensure_one()
        if self.template_id:
            return self.template_id._compute_date_end(day)
        return day + (self.date_end - self.date_start)
