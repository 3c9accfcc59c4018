from odoo import fields, models


class ServiceLoanerFinishWizard(models.TransientModel):
    """An entitlement manager lets a repair finish while its loaner is out,
    and says why (logged on the repair and the loan)."""

    _name = "service.loaner.finish.wizard"
    _description = "Finish a Repair Without Its Loaner"

    repair_id = fields.Many2one("repair.order", required=True, ondelete="cascade")
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.repair_id.loaner_loan_id._allow_finish(self.reason)
        return {"type": "ir.actions.act_window_close"}
