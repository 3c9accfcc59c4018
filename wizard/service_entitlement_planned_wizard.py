from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..models.notify import notification


class ServiceEntitlementPlannedWizard(models.TransientModel):
    """Entitlement managers make the planned repairs of service contracts due
    by a date (Business Central's Create Contract Service Orders): one per
    serial number and planned date, each contract no further ahead than its
    own days ahead, never twice.  The daily job does the same."""

    _name = "service.entitlement.planned.wizard"
    _description = "Create Planned Repairs"

    date_to = fields.Date(
        string="Planned Service Due By",
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=30),
    )

    def action_create(self):
        self.ensure_one()
        if not self.env.user.has_group("service_entitlement.group_entitlement_manager"):
            raise UserError(
                self.env._("Only entitlement managers can create planned repairs.")
            )
        repairs = self.env["service.entitlement.contract.line"]._create_planned_repairs(
            self.date_to
        )
        if not repairs:
            return notification(
                self.env._(
                    "No planned service is due by %(date)s.",
                    date=format_date(self.env, self.date_to),
                ),
                "info",
                then=None,
            )
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.repair_order_action_planned"
        )
        action["domain"] = [("id", "in", repairs.ids)]
        action["view_mode"] = "list,form,calendar"
        action["views"] = [(False, "list"), (False, "form"), (False, "calendar")]
        return action
