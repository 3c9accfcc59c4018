from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from .notify import dialog


class RepairOrder(models.Model):
    """Loaners: a repair lends one at a time, and does not finish while it
    is out unless a manager allows it (``_loaner_check_returned``, called by
    ``action_repair_done``)."""

    _inherit = "repair.order"

    loaner_loan_ids = fields.One2many(
        "service.loaner.loan", "repair_id", string="Loaners", readonly=True
    )
    loaner_loan_id = fields.Many2one(
        "service.loaner.loan",
        string="Loaner Out",
        readonly=True,
        copy=False,
        flow_only=True,
        help="The loaner the customer has while this repair is open: set when "
        "it is lent, cleared when it is back.",
    )
    entitlement_use_loaners = fields.Boolean(
        related="company_id.entitlement_use_loaners", string="Company Lends Loaners"
    )
    loaner_due_date = fields.Date(
        related="loaner_loan_id.due_date", string="Loaner Due"
    )

    def action_loaner_lend(self):
        self.ensure_one()
        if not self._service_using("loaners"):
            raise UserError(
                self.env._(
                    "%(company)s does not lend loaners (Settings > Service > "
                    "Features).",
                    company=self.company_id.name,
                )
            )
        return dialog(
            "service.loaner.lend.wizard",
            self.env._("Lend a Loaner"),
            default_repair_id=self.id,
        )

    def action_loaner_receive(self):
        self.loaner_loan_id._receive()
        return True

    def action_loaner_allow_finish(self):
        self.ensure_one()
        return dialog(
            "service.loaner.finish.wizard",
            self.env._("Finish Without the Loaner"),
            default_repair_id=self.id,
        )

    def _loaner_default_due_date(self):
        """The repair's resolution deadline (or its scheduled date) plus the
        company's loaner days, and not before today."""
        self.ensure_one()
        end = self.sla_resolution_deadline or self.schedule_date
        today = fields.Date.context_today(self)
        day = fields.Date.context_today(self, end) if end else today
        return max(
            day + relativedelta(days=self.company_id.entitlement_loaner_days), today
        )

    def _loaner_check_returned(self):
        """A repair does not finish while its loaner is out, unless a manager
        said why it may."""
        for repair in self:
            # sudo: a loaner out stops the finish, whatever the closer may read of loans
            loan = repair.loaner_loan_id.sudo()
            if loan and not loan.finish_reason:
                raise UserError(
                    self.env._(
                        "%(repair)s cannot finish: loaner %(loaner)s is still out "
                        "(due %(date)s). Receive it back first, or ask an "
                        "entitlement manager to let the repair finish without it.",
                        repair=repair.display_name,
                        loaner=loan.lot_id.display_name,
                        date=format_date(self.env, loan.due_date),
                    )
                )
