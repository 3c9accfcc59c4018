from odoo import Command, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self._create_delivery_warranties()
        self._create_supplier_warranties()
        return res

    def _create_supplier_warranties(self):
        """Serial numbers received from a vendor get the vendor's warranty
        (its months on the product's price list line); not a unit coming back
        from the vendor's warranty repair."""
        if self.env.context.get("service_unit_from_vendor"):
            return
        lines = self.filtered(
            lambda p: (
                p.state == "done" and p.location_id.usage == "supplier" and p.partner_id
            )
        ).move_line_ids.filtered(lambda line: line.lot_id and line.quantity)
        if lines:
            self.env["service.warranty.layer"]._from_receipts(lines)

    def _create_delivery_warranties(self):
        """Give delivered serial numbers their product's warranty, once."""
        deliveries = self.filtered(
            lambda p: (
                p.state == "done"
                and p.picking_type_code == "outgoing"
                and p.location_dest_id.usage == "customer"
                and p.partner_id
            )
        )
        # sudo: a stock user validating the delivery makes and activates the warranty
        Entitlement = self.env["service.entitlement"].sudo()
        for picking in deliveries:
            customer = picking.partner_id.commercial_partner_id
            start = fields.Date.context_today(self, picking.date_done)
            # A loaner lent to a customer stays the company's.
            for line in picking.move_line_ids.filtered(
                lambda ml: ml.lot_id and not ml.product_id.service_loaner
            ):
                # sudo: the delivery gives the serial its owner and warranty dates
                lot = line.lot_id.sudo()
                if not picking._set_service_item_owner(lot, customer):
                    continue
                self.env["service.warranty.layer"]._from_delivery(
                    lot, customer, start, picking.company_id
                )
                template = line.product_id.warranty_template_id
                if not template:
                    continue
                existing = Entitlement.search_count(
                    [
                        ("lot_ids", "in", lot.ids),
                        ("template_id", "=", template.id),
                        ("state", "!=", "cancelled"),
                    ],
                    limit=1,
                )
                if existing:
                    continue
                entitlement = Entitlement.create(
                    picking._prepare_delivery_warranty(template, lot, customer, start)
                )
                entitlement.action_activate()
                lot.write(
                    {
                        "warranty_date_start": entitlement.date_start,
                        "warranty_date_end": entitlement.date_end,
                    }
                )
                entitlement.message_post(
                    body=self.env._(
                        "Created by the delivery %(picking)s of %(lot)s.",
                        picking=picking.name,
                        lot=lot.name,
                    )
                )

    def _set_service_item_owner(self, lot, customer):
        """Make ``customer`` the owner of the delivered serial number.  From
        another owner, it is a transfer: transferable entitlements follow the
        serial number, the others stop covering it (see
        ``stock.lot._service_transfer``)."""
        if lot.customer_id.commercial_partner_id == customer:
            return True
        if lot.customer_id:
            lot._service_transfer(customer, origin=self)
        else:
            lot.customer_id = customer
        return True

    def _prepare_delivery_warranty(self, template, lot, customer, start):
        self.ensure_one()
        return {
            "name": self.env._(
                "%(template)s, %(lot)s", template=template.name, lot=lot.name
            ),
            "template_id": template.id,
            "partner_id": customer.id,
            "company_id": self.company_id.id,
            "date_start": start,
            "lot_ids": [Command.set(lot.ids)],
            "product_ids": [Command.clear()],
            "product_categ_ids": [Command.clear()],
        }
