from odoo import fields, models


class FakeServiceDocument(models.Model):
    """A service document that is not a repair, for testing the mixin alone."""

    _name = "service.entitlement.fake.document"
    _description = "Fake service document"
    _inherit = ["mail.thread", "service.entitlement.consumer.mixin"]

    name = fields.Char(default="Ticket")
    partner_id = fields.Many2one("res.partner")
    product_id = fields.Many2one("product.product")
    lot_id = fields.Many2one("stock.lot")
    date = fields.Date(default=fields.Date.context_today)
    hours = fields.Float()
    fault_reason_id = fields.Many2one("service.fault.reason")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    state = fields.Selection([("new", "New"), ("open", "Open"), ("closed", "Closed")])

    def _entitlement_match_depends(self):
        return ["partner_id", "product_id", "lot_id", "fault_reason_id", "date"]

    def _entitlement_get_partner(self):
        return self.partner_id

    def _entitlement_get_date(self):
        return self.date

    def _entitlement_get_lot(self):
        return self.lot_id

    def _entitlement_get_product(self):
        return self.product_id

    def _entitlement_get_fault_reason(self):
        return self.fault_reason_id

    def _entitlement_get_hours(self):
        return self.hours

    def _entitlement_get_company(self):
        return self.company_id

    def _entitlement_is_open(self):
        return self.state in (False, "new")

    def action_open(self):
        self.state = "open"
        self._entitlement_consume("confirm")

    def action_close(self):
        self.state = "closed"
        self._entitlement_consume("done")

    def action_reopen(self):
        self._entitlement_release(note="Reopened")
        self.state = "new"
