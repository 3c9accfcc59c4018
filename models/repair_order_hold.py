from odoo import api, fields, models

HOLD_REASONS = [
    ("customer", "Waiting for the customer"),
    ("parts", "Waiting for parts"),
    ("third_party", "Waiting for a third party"),
]


class RepairOrderHold(models.Model):
    """A period a repair spent on hold: its service level clocks stopped."""

    _name = "repair.order.hold"
    _description = "Repair Hold"
    _order = "date_start desc, id desc"
    # Written by the hold and resume actions only.
    _flow_owned = True

    repair_id = fields.Many2one(
        "repair.order", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="repair_id.company_id", store=True)
    reason_type = fields.Selection(
        HOLD_REASONS, string="Waiting For", required=True, readonly=True
    )
    reason = fields.Char(required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Put On Hold By", required=True, readonly=True
    )
    date_start = fields.Datetime(string="On Hold From", required=True, readonly=True)
    date_end = fields.Datetime(string="Resumed On", readonly=True)
    working_hours = fields.Float(
        string="Working Hours On Hold",
        compute="_compute_working_hours",
        store=True,
        help="Working hours of the company calendar the repair spent on hold: "
        "its service level deadlines move by as much.",
    )

    @api.depends("date_start", "date_end")
    def _compute_working_hours(self):
        for hold in self:
            hold.working_hours = (
                hold.repair_id._sla_working_hours(hold.date_start, hold.date_end)
                if hold.date_end
                else 0.0
            )
