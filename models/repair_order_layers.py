from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_date

from .ledger_guard import ledger_writer

# The kind of warranty an entitlement is, when no layer names it.
ENTITLEMENT_LAYER_KIND = {
    "warranty": "extended",
    "service_contract": "contract",
    "support_plan": "contract",
}


class RepairOrder(models.Model):
    """Which of the serial number's warranties pays for the repair: the
    first, in the company's order (*Which Warranty Pays First*), of those
    running on the repair's date and paying for its fault.  The repair's
    entitlement is one of them (its layer, or the kind its type says).  A
    warranty without an entitlement that pays (a supplier's, the legal
    guarantee) covers the repair at its parts and labour shares, and the
    entitlement's terms are not used."""

    _inherit = "repair.order"

    warranty_layer_id = fields.Many2one(
        "service.warranty.layer",
        string="Warranty That Pays",
        compute="_compute_warranty_layer",
        help="The serial number's warranty that pays for this repair, when "
        "it is not the entitlement's.",
    )
    warranty_layer_note = fields.Char(
        string="Warranties",
        compute="_compute_warranty_layer",
        help="Which warranty pays, and why the serial's others do not.",
    )

    @api.depends(
        "lot_id.warranty_layer_ids",
        "lot_id.warranty_layer_count",
        "schedule_date",
        "fault_reason_id",
        "entitlement_id",
        "company_id",
    )
    def _compute_warranty_layer(self):
        layered = self._service_using("layers")
        for repair in self:
            if (
                repair not in layered
                or not repair.lot_id.warranty_layer_count
                or (repair._entitlement_plan().payer in ("rerepair", "campaign"))
            ):
                repair.warranty_layer_id = False
                repair.warranty_layer_note = False
                continue
            paying, notes = repair._warranty_layers_weighed(explain=True)
            repair.warranty_layer_id = paying
            repair.warranty_layer_note = " · ".join(notes)

    def _warranty_layer_paying(self):
        """The warranty without an entitlement that pays for the repair, or
        an empty recordset (another payer does, or nothing does)."""
        self.ensure_one()
        if (
            not self.lot_id.warranty_layer_count
            or self._entitlement_plan().payer != "layer"
        ):
            return self.env["service.warranty.layer"]
        return self._warranty_layers_weighed()[0]

    def _warranty_layers_weighed(self, explain=False):
        """(the serial's layer without an entitlement that comes first, or
        empty; with ``explain``, [what pays and why each other warranty does
        not, in words], else []).  Whether it pays for the repair is the
        payer's plan's to say (a re-repair or a campaign comes first)."""
        self.ensure_one()
        Layer = self.env["service.warranty.layer"]
        lot = self.lot_id
        if not lot or not lot.warranty_layer_count:
            return Layer, []
        day = self._entitlement_get_date()
        entitlement = self._entitlement_terms()
        if entitlement and (
            not self._entitlement_is_valid_on(entitlement, day)
            or self._entitlement_excludes(entitlement)
            or self._entitlement_suspension(entitlement)
        ):
            entitlement = entitlement.browse()
        # sudo: every layer of the serial is weighed, whatever the asker may read
        layers = lot.sudo().warranty_layer_ids.filtered(
            lambda layer: layer.company_id == self.company_id
        )
        order = (self.company_id or self.env.company)._warranty_precedence()
        fault = self.fault_reason_id
        paying, skipped = [], []
        for layer in layers:
            why = self._warranty_layer_skipped(layer, day, fault, entitlement)
            if not why:
                paying.append((layer._precedence_rank(order), layer))
            elif explain:
                skipped.append(
                    self.env._("%(layer)s: %(why)s", layer=layer.display_name, why=why)
                )
        if entitlement and entitlement not in layers.entitlement_id:
            kind = ENTITLEMENT_LAYER_KIND.get(entitlement.entitlement_type, "contract")
            rank = order.index(kind) if kind in order else len(order)
            paying.append((rank, entitlement))
        if not paying:
            return Layer, skipped
        paying.sort(
            key=lambda pair: (pair[0], pair[1].date_end or date.max, pair[1].id)
        )
        (__, first), others = paying[0], paying[1:]
        notes = (
            [
                self.env._("Pays: %(warranty)s", warranty=first.display_name),
                *(
                    self.env._(
                        "%(warranty)s: comes after it", warranty=other.display_name
                    )
                    for __, other in others
                ),
                *skipped,
            ]
            if explain
            else []
        )
        pays = (
            first if first._name == Layer._name and not first.entitlement_id else Layer
        )
        return pays.with_env(self.env), notes

    def _warranty_layer_skipped(self, layer, day, fault, entitlement):
        """Why ``layer`` does not pay for the repair on ``day``, or None."""
        why = None
        if day < layer.date_start:
            why = self.env._(
                "starts %(date)s", date=format_date(self.env, layer.date_start)
            )
        elif day > layer.date_end:
            why = self.env._(
                "ended %(date)s", date=format_date(self.env, layer.date_end)
            )
        elif layer.entitlement_id:
            if layer.entitlement_id != entitlement:
                why = self.env._("its terms do not cover this repair")
        elif fault.not_defect:
            why = self.env._("%(fault)s is not a defect", fault=fault.name)
        elif not (layer.parts_percent or layer.labor_percent):
            why = self.env._("pays nothing")
        return why

    def _warranty_layer_explain(self, layer):
        parts = f"{layer.parts_percent:g}"
        labour = f"{layer.labor_percent:g}"
        return self.env._(
            "%(layer)s pays %(parts)s%% of parts and %(labour)s%% of labour, "
            "no terms used",
            layer=layer.display_name,
            parts=parts,
            labour=labour,
        )

    def _warranty_layer_extend(self):
        """A repair paid by the seller's legal guarantee extends it when its
        rule says so (from the rule's day, once if it says once); logged on
        the serial number."""
        for repair in self.filtered(lambda r: r.state == "done"):
            # sudo: whoever closes the repair extends the guarantee (layers: managers')
            layer = repair._warranty_layer_paying().sudo()
            rule = layer.rule_id
            day = repair._entitlement_get_date()
            if (
                layer.kind != "statutory"
                or not rule.extend_on_repair
                or not rule.extension_months
                or (rule.extension_from and day < rule.extension_from)
                or (rule.extension_once and layer.extended_months)
            ):
                continue
            with ledger_writer():
                layer.write(
                    {
                        "date_end": layer.date_end
                        + relativedelta(months=rule.extension_months),
                        "extended_months": layer.extended_months
                        + rule.extension_months,
                    }
                )
            # sudo: logged on the serial whoever closes the repair, who may not write it
            repair.lot_id.sudo().message_post(
                body=self.env._(
                    "%(repair)s repaired it under the legal guarantee: the "
                    "guarantee runs %(months)s months longer, until %(date)s "
                    "(%(rule)s).",
                    repair=repair.name,
                    months=rule.extension_months,
                    date=format_date(self.env, layer.date_end),
                    rule=rule.name,
                )
            )
