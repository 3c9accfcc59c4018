from odoo import api, fields, models


class ServiceLoanerLendWizard(models.TransientModel):
    """Lend a loaner for a repair: one that is in the loaner location, not
    lent, not blocked, and may stand in for the repaired product."""

    _name = "service.loaner.lend.wizard"
    _description = "Lend a Loaner"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    available_lot_ids = fields.Many2many(
        "stock.lot", compute="_compute_available_lot_ids"
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Loaner",
        required=True,
        domain="[('id', 'in', available_lot_ids)]",
    )
    due_date = fields.Date(
        compute="_compute_due_date",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )

    @api.depends("repair_id")
    def _compute_available_lot_ids(self):
        # sudo: the loaners the lend's checks accept, whatever the desk may read
        Lot = self.env["stock.lot"].sudo()
        for wizard in self:
            repair = wizard.repair_id
            if not repair:
                wizard.available_lot_ids = Lot
                continue
            location = repair.company_id._loaner_location()
            lots = Lot.search(
                [
                    ("loaner_state", "=", "available"),
                    ("company_id", "in", (False, repair.company_id.id)),
                    ("quant_ids.location_id", "child_of", location.id),
                    ("quant_ids.quantity", ">", 0),
                ]
            )
            template = repair.product_id.product_tmpl_id
            wizard.available_lot_ids = lots.filtered(
                lambda lot, t=template: (
                    not lot.product_id.loaner_for_product_ids
                    or t in lot.product_id.loaner_for_product_ids
                )
            )

    @api.depends("repair_id")
    def _compute_due_date(self):
        for wizard in self:
            if wizard.repair_id and not wizard.due_date:
                wizard.due_date = wizard.repair_id._loaner_default_due_date()

    def action_lend(self):
        self.ensure_one()
        self.env["service.loaner.loan"]._lend(
            self.repair_id, self.lot_id, self.due_date
        )
        return {"type": "ir.actions.act_window_close"}
