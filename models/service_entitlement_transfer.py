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

    def _transfer_copy(self, lot, customer, share, date, state):
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
