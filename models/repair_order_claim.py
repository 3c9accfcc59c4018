from odoo import api, fields, models
from odoo.exceptions import UserError

from .notify import dialog
from .roles import check_roles


class RepairOrder(models.Model):
    """A repair of a supplier defect under a supplier's warranty is claimed
    from the supplier: a draft claim when it is done, or when the desk asks
    for one."""

    _inherit = "repair.order"

    vendor_claim_ids = fields.One2many(
        "service.vendor.claim", "repair_id", string="Vendor Claims", readonly=True
    )
    vendor_claim_count = fields.Integer(compute="_compute_vendor_claim_count")
    vendor_unit_claim_id = fields.Many2one(
        "service.vendor.claim",
        string="Unit At Vendor Under",
        compute="_compute_vendor_claim_count",
        help="The claim under which the repaired unit is at the vendor.",
    )

    vendor_warranty_layer_id = fields.Many2one(
        "service.warranty.layer",
        string="Supplier's Warranty",
        compute="_compute_vendor_warranty_layer_id",
        help="The supplier's warranty the repair can be claimed under, and its "
        "unit sent to: none, and there is nobody to send it to.",
    )

    @api.depends("lot_id", "schedule_date", "company_id", "state")
    def _compute_vendor_warranty_layer_id(self):
        layered = self._service_using("layers")
        for repair in self:
            repair.vendor_warranty_layer_id = (
                repair._origin._vendor_claim_layer().with_env(self.env)
                if repair in layered and repair._origin and repair.lot_id
                else False
            )

    def _compute_vendor_claim_count(self):
        # sudo: whoever reads the repair sees its claims counted (and the unit's)
        claims = (
            self.env["service.vendor.claim"]
            .sudo()
            .search_fetch([("repair_id", "in", self.ids)], ["repair_id", "unit_state"])
            .grouped("repair_id")
        )
        Claim = self.env["service.vendor.claim"]
        for repair in self:
            mine = claims.get(repair._origin, Claim)
            repair.vendor_claim_count = len(mine)
            repair.vendor_unit_claim_id = mine.filtered(
                lambda c: c.unit_state == "at_vendor"
            )[:1].with_env(self.env)

    def _vendor_claim_layer(self):
        """The supplier's warranty the repair is claimed under: the one that
        pays for it, else the first supplier's running on its date."""
        self.ensure_one()
        if not self.lot_id.warranty_layer_count:
            return self.env["service.warranty.layer"]
        paying = self._warranty_layer_paying()
        if paying.supplier_id:
            return paying
        day = self._entitlement_get_date()
        # sudo: every supplier warranty of the serial counts, whatever the asker reads
        return (
            self.lot_id.sudo()
            .warranty_layer_ids.filtered(
                lambda layer: (
                    layer.supplier_id
                    and layer.company_id == self.company_id
                    and layer.date_start <= day <= layer.date_end
                    and (layer.parts_percent or layer.labor_percent)
                )
            )
            .sorted("date_end")[:1]
        )

    def _vendor_claims_draft(self):
        """Done repairs of a supplier defect, under a supplier's warranty:
        a draft claim each, once."""
        Claim = self.env["service.vendor.claim"]
        for repair in self.filtered(
            lambda r: r.state == "done" and r.fault_reason_id.supplier_defect
        ):
            layer = repair._vendor_claim_layer()
            if layer:
                Claim._draft_for(repair, layer)

    def action_vendor_claim(self):
        """Claim the repair from the supplier whose warranty it is under."""
        self.ensure_one()
        check_roles(
            self.env,
            ("group_service_desk", "group_entitlement_manager"),
            self.env._("Only the service desk and managers claim repairs."),
        )
        if self.state != "done":
            raise UserError(
                self.env._(
                    "Finish %(repair)s first: its parts and hours make the claim.",
                    repair=self.name,
                )
            )
        layer = self._vendor_claim_layer()
        if not layer:
            raise UserError(
                self.env._(
                    "%(repair)s is under no supplier's warranty on its date: "
                    "there is nobody to claim it from.",
                    repair=self.name,
                )
            )
        claim = self.env["service.vendor.claim"]._draft_for(self, layer)
        return self._vendor_claims_action(claim)

    def action_unit_to_vendor(self):
        """Send the repaired unit to the supplier whose warranty it is
        under: a claim (drafted if needed) records it, a delivery takes it
        there, and the repair waits for a third party."""
        self.ensure_one()
        # A repair already waiting (for parts, say) may still send its unit.
        self._sla_check_hold(on_hold=True)
        layer = self._vendor_claim_layer()
        if not layer:
            raise UserError(
                self.env._(
                    "%(repair)s is under no supplier's warranty on its date: "
                    "there is nobody to send it to.",
                    repair=self.name,
                )
            )
        claim = self.env["service.vendor.claim"]._draft_for(self, layer)
        claim._unit_send()
        return self._vendor_claims_action(claim)

    def action_unit_from_vendor(self):
        """Receive the unit back from the vendor (or its replacement): the
        repair is on hold while the unit is away, as sending it put it."""
        self.ensure_one()
        self._sla_check_hold(on_hold=True)
        if not self.vendor_unit_claim_id:
            raise UserError(
                self.env._("%(repair)s has no unit at a vendor.", repair=self.name)
            )
        return dialog(
            "service.vendor.unit.return.wizard",
            self.env._("Back from the Vendor"),
            default_claim_id=self.vendor_unit_claim_id.id,
        )

    def action_view_vendor_claims(self):
        self.ensure_one()
        return self._vendor_claims_action(self.vendor_claim_ids)

    def _vendor_claims_action(self, claims):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_vendor_claim_action"
        )
        if len(claims) == 1:
            action.update(views=[(False, "form")], res_id=claims.id)
        else:
            action["domain"] = [("id", "in", claims.ids)]
        action["context"] = {"create": False}
        return action
