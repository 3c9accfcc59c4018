from odoo import fields, models


class ContractContract(models.Model):
    _inherit = "contract.contract"

    service_entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The service contract whose lines this contract invoices.",
    )

    def _prepare_invoice(self, date_invoice, journal=None):
        vals = super()._prepare_invoice(date_invoice, journal=journal)
        service_contract = self.service_entitlement_id
        if service_contract:
            vals["invoice_origin"] = service_contract.display_name
        return vals
