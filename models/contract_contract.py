from odoo import fields, models

from .ledger_guard import ledger_writer

# The recurring contract of a service contract is the flow's: the service
# contract decides whom and how it invoices.
SERVICE_CONTRACT = [("service_entitlement_id", "!=", False)]
SERVICE_CONTRACT_FIELDS = (
    "partner_id",
    "invoice_partner_id",
    "company_id",
    "currency_id",
    "manual_currency_id",
    "pricelist_id",
    "journal_id",
    "fiscal_position_id",
    "contract_type",
    "line_recurrence",
    "active",
)


class ContractContract(models.Model):
    _inherit = "contract.contract"
    _flow_only_declared = dict.fromkeys(SERVICE_CONTRACT_FIELDS, SERVICE_CONTRACT)
    _flow_owned = SERVICE_CONTRACT

    service_entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        readonly=True,
        copy=False,
        flow_only=True,
        index="btree_not_null",
        help="The service contract whose lines this contract invoices.",
    )

    def _prepare_invoice(self, date_invoice, journal=None):
        vals = super()._prepare_invoice(date_invoice, journal=journal)
        service_contract = self.service_entitlement_id
        if service_contract:
            vals["invoice_origin"] = service_contract.display_name
        return vals

    def _recurring_create_invoice(self, date_ref=False):
        """Invoicing a service contract moves the dates of its recurring
        lines and writes the service period on its invoice lines: the flow's
        fields, which only its invoicing writes."""
        with ledger_writer():
            return super()._recurring_create_invoice(date_ref=date_ref)
