from odoo import api, models


class RepairOrder(models.Model):
    """Repair requests by email (the repairs@ alias) from known customers."""

    _inherit = "repair.order"

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A repair request by email from a known customer: the serial number
        is recognised in the subject or the body, and the entitlement is
        matched as for any repair."""
        values = dict(custom_values or {})
        author = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        if author:
            values.setdefault("partner_id", author.id)
            values.setdefault("intake_channel", "email")
            lot = self._lot_from_email(author, msg_dict)
            if lot:
                values.setdefault("lot_id", lot.id)
                values.setdefault("product_id", lot.product_id.id)
            if msg_dict.get("body"):
                values.setdefault("internal_notes", msg_dict["body"])
        return super().message_new(msg_dict, custom_values=values)

    @api.model
    def _lot_from_email(self, author, msg_dict):
        text = f"{msg_dict.get('subject') or ''} {msg_dict.get('body') or ''}"
        customer = author.commercial_partner_id
        # sudo: a request by email finds the customer's serials, whoever processes it
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search([("customer_id", "child_of", customer.id)], limit=500)
        )
        found = lots.filtered(lambda lot: lot.name and lot.name in text)
        return found[:1] if len(found) == 1 else self.env["stock.lot"]
