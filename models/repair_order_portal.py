from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import html_escape


class RepairOrder(models.Model):
    """Repair requests made by customers on the portal, under an entitlement."""

    _inherit = "repair.order"

    @api.model
    def _create_from_portal_request(self, entitlement, partner, lot, description):
        """The repair order ``partner`` asks for on the portal for the serial
        number ``lot`` under ``entitlement``, which must allow it: the
        entitlement decides which serial numbers may be asked for and when."""
        entitlement.ensure_one()
        if not entitlement._portal_can_request_repair():
            raise UserError(
                self.env._(
                    "%(name)s does not allow a new repair request now.",
                    name=entitlement.display_name,
                )
            )
        covered = entitlement._portal_requestable_lots().filtered(
            lambda covered_lot: covered_lot.id == lot.id
        )
        if not covered:
            raise UserError(self.env._("Choose one of the covered serial numbers."))
        # sudo: the portal customer asks for a repair; he cannot create repair orders
        repair = (
            self.sudo()
            .with_company(entitlement.company_id)
            .create(
                {
                    "partner_id": partner.id,
                    "product_id": covered.product_id.id,
                    "lot_id": covered.id,
                    "entitlement_id": entitlement.id,
                    "intake_channel": "portal",
                    "internal_notes": description
                    and f"<p>{html_escape(description)}</p>",
                    "company_id": entitlement.company_id.id,
                    # The desk takes it: the customer is nobody's Responsible.
                    "user_id": False,
                }
            )
        )
        repair.message_post(
            body=self.env._(
                "Requested on the portal by %(partner)s.", partner=partner.name
            )
        )
        return repair
