from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from .notify import dialog, notification

# Business Central's Blocked on a service item.
SERVICE_BLOCKED = [
    ("none", "Not Blocked"),
    ("contracts", "For Contracts"),
    ("all", "For Everything"),
]


class StockLot(models.Model):
    _inherit = "stock.lot"

    customer_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="Owner of this service item. Entitlements of its commercial "
        "partner cover it.",
    )
    warranty_date_start = fields.Date(string="Warranty Start", tracking=True)
    warranty_date_end = fields.Date(string="Warranty End", tracking=True)
    entitlement_ids = fields.Many2many(
        "service.entitlement",
        "service_entitlement_stock_lot_rel",
        "lot_id",
        "entitlement_id",
        string="Entitlements",
        readonly=True,
        # The coverage is written on the entitlement, where it is checked.
        flow_only=True,
    )
    entitlement_count = fields.Integer(compute="_compute_entitlement_count")
    service_under_warranty = fields.Boolean(
        string="Under Warranty",
        compute="_compute_service_under_warranty",
        search="_search_service_under_warranty",
        help="Today a repair of this serial number would be paid, in part or "
        "in full, by a warranty: its warranty dates run, one of its warranty "
        "layers runs and pays something, or an active entitlement names it.",
    )
    last_repair_id = fields.Many2one(
        "repair.order",
        compute="_compute_repair_history",
        help="The latest finished repair of this serial number.",
    )
    repair_warranty_end = fields.Date(
        string="Repair Warranty Until",
        compute="_compute_repair_history",
        help="A new repair until this date is a re-repair, covered in full.",
    )
    service_blocked = fields.Selection(
        SERVICE_BLOCKED,
        string="Blocked",
        default="none",
        required=True,
        copy=False,
        tracking=True,
        help="For contracts: the serial number cannot be added to a service "
        "contract, and a contract quote naming it cannot be signed or "
        "activated. For everything: no repair either (an entitlement manager "
        "may still open one, which is logged on the repair). Only entitlement "
        "managers change it.",
    )
    service_block_editable = fields.Boolean(compute="_compute_service_block_editable")
    repeat_failure = fields.Boolean(
        readonly=True,
        copy=False,
        flow_only=True,
        tracking=True,
        help="Repaired too often within 12 months (see Settings): an "
        "entitlement manager was asked to propose a replacement.",
    )

    component_ids = fields.One2many(
        "service.lot.component", "lot_id", string="Components"
    )
    service_repair_ids = fields.One2many(
        "repair.order", "lot_id", string="Repairs", readonly=True
    )
    service_defective = fields.Boolean(
        string="Defective",
        readonly=True,
        copy=False,
        flow_only=True,
        tracking=True,
        help="Replaced by another unit: its entitlements cover that one now.",
    )
    replaced_by_lot_id = fields.Many2one(
        "stock.lot",
        string="Replaced By Unit",
        readonly=True,
        copy=False,
        flow_only=True,
        index="btree_not_null",
    )
    replacement_of_lot_ids = fields.One2many(
        "stock.lot", "replaced_by_lot_id", string="Replacement Of", readonly=True
    )
    service_loaner = fields.Boolean(related="product_id.service_loaner")
    loan_ids = fields.One2many(
        "service.loaner.loan", "lot_id", string="Loans", readonly=True
    )
    loaner_loan_id = fields.Many2one(
        "service.loaner.loan",
        string="Current Loan",
        compute="_compute_loaner_state",
        help="The loan of this loaner that is out.",
    )
    loaner_state = fields.Selection(
        [("available", "Available"), ("lent", "Lent"), ("blocked", "Blocked")],
        compute="_compute_loaner_state",
        search="_search_loaner_state",
    )
    # Who has the loaner, until when, for which repair (the loaner list).
    loaner_partner_id = fields.Many2one(
        "res.partner", string="Lent To", compute="_compute_loaner_state"
    )
    loaner_due_date = fields.Date(string="Due", compute="_compute_loaner_state")
    loaner_repair_id = fields.Many2one(
        "repair.order", string="For Repair", compute="_compute_loaner_state"
    )

    warranty_layer_ids = fields.One2many(
        "service.warranty.layer", "lot_id", string="Warranty Layers"
    )
    # Read with the serial's row: a repair of a serial without layers looks
    # for none.
    warranty_layer_count = fields.Integer(
        compute="_compute_warranty_layer_count", store=True
    )
    service_components_fillable = fields.Boolean(
        string="Components Fillable",
        compute="_compute_service_components_fillable",
        help="Manufacturing is installed and this serial's product has a "
        "bill of materials, or the serial was manufactured.",
    )

    def _service_under_warranty_domain(self):
        """The serial numbers a warranty pays for today, whoever gives it
        (what a repair's plan would find before its fault is known)."""
        today = fields.Date.context_today(self)
        running = [("date_start", "<=", today), ("date_end", ">=", today)]
        return expression.OR(
            [
                [("warranty_date_end", ">=", today)],
                [
                    (
                        "warranty_layer_ids",
                        "any",
                        [
                            *running,
                            "|",
                            ("parts_percent", ">", 0),
                            ("labor_percent", ">", 0),
                        ],
                    )
                ],
                [("entitlement_ids", "any", [("state", "=", "active"), *running])],
            ]
        )

    def _compute_service_under_warranty(self):
        lots = self.filtered("id")
        under = (
            lots.search(
                expression.AND(
                    [[("id", "in", lots.ids)], self._service_under_warranty_domain()]
                )
            )
            if lots
            else lots
        )
        for lot in self:
            lot.service_under_warranty = lot in under

    def _search_service_under_warranty(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search Under Warranty with yes or no."))
        domain = self._service_under_warranty_domain()
        if (operator == "=") == value:
            return domain
        # Not "!": a serial without warranty dates would be neither.
        return [("id", "not in", self._search(domain))]

    @api.depends("warranty_layer_ids")
    def _compute_warranty_layer_count(self):
        # sudo: whoever reads the serial number sees how many layers it has
        counts = dict(
            self.env["service.warranty.layer"]
            .sudo()
            ._read_group([("lot_id", "in", self.ids)], ["lot_id"], ["__count"])
        )
        for lot in self:
            lot.warranty_layer_count = counts.get(lot, 0)

    @api.depends("product_id")
    def _compute_service_components_fillable(self):
        if "mrp.bom" not in self.env:
            self.service_components_fillable = False
            return
        # sudo: whether there is a bill of materials, for readers outside manufacturing
        boms = self.env["mrp.bom"].sudo()._bom_find(self.product_id)
        # sudo: and whether a manufacturing order made the serial, likewise
        made = (
            self.env["mrp.production"]
            .sudo()
            ._read_group(
                [("lot_producing_id", "in", self.ids), ("state", "=", "done")],
                ["lot_producing_id"],
            )
        )
        made = {lot for (lot,) in made}
        for lot in self:
            lot.service_components_fillable = bool(
                boms.get(lot.product_id) or lot in made
            )

    def action_service_components_fill(self):
        """Fill the components from the manufacturing order that made the
        serial, or from its product's bill of materials."""
        added = self.env["service.lot.component"]._fill_from_bill_of_materials(self)
        message = (
            self.env._("%(count)s components added.", count=len(added))
            if added
            else self.env._("The components were already filled in.")
        )
        return notification(message, "success" if added else "info")

    @api.depends(
        "loan_ids.state",
        "loan_ids.due_date",
        "service_blocked",
        "product_id.service_loaner",
    )
    def _compute_loaner_state(self):
        for lot in self:
            loan = lot.loan_ids.filtered(lambda loan: loan.state == "lent")[:1]
            lot.loaner_loan_id = loan
            lot.loaner_partner_id = loan.partner_id
            lot.loaner_due_date = loan.due_date
            lot.loaner_repair_id = loan.repair_id
            if not lot.product_id.service_loaner:
                lot.loaner_state = False
            elif loan:
                lot.loaner_state = "lent"
            elif lot.service_blocked != "none":
                lot.loaner_state = "blocked"
            else:
                lot.loaner_state = "available"

    def _search_loaner_state(self, operator, value):
        if operator != "=" or value not in ("available", "lent", "blocked"):
            return NotImplemented
        lent = ("loan_ids.state", "=", "lent")
        loaner = ("product_id.service_loaner", "=", True)
        if value == "lent":
            return [loaner, lent]
        blocked = "!=" if value == "blocked" else "="
        return [loaner, ("service_blocked", blocked, "none"), "!", lent]

    @api.depends_context("uid")
    def _compute_service_block_editable(self):
        self.service_block_editable = self._service_block_manager()

    @api.model
    def _service_block_manager(self):
        return self.env.su or self.env.user.has_group(
            "service_entitlement.group_entitlement_manager"
        )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("service_blocked", "none") != "none" for vals in vals_list):
            self._check_can_block()
        return super().create(vals_list)

    def write(self, vals):
        if "service_blocked" in vals and any(
            lot.service_blocked != vals["service_blocked"] for lot in self
        ):
            self._check_can_block()
        return super().write(vals)

    def _check_can_block(self):
        if not self._service_block_manager():
            raise AccessError(
                self.env._(
                    "Only entitlement managers can block or unblock a service item."
                )
            )

    def _check_service_blocked(self, for_what, document):
        """Refuse ``document`` (a description) for the serial numbers blocked
        for ``for_what`` ('contracts': blocked at all; 'all': for
        everything)."""
        levels = ("contracts", "all") if for_what == "contracts" else ("all",)
        blocked = self.filtered(lambda lot: lot.service_blocked in levels)
        if blocked:
            raise UserError(
                self.env._(
                    "Serial number %(lot)s is blocked (%(level)s): %(document)s "
                    "is refused. An entitlement manager can unblock it.",
                    lot=blocked[0].name,
                    level=dict(
                        self._fields["service_blocked"]._description_selection(self.env)
                    )[blocked[0].service_blocked],
                    document=document,
                )
            )

    def _compute_entitlement_count(self):
        self.entitlement_count = 0
        counts = dict(
            self.env["service.entitlement"]._read_group(
                [("lot_ids", "in", self.ids)], ["lot_ids"], ["__count"]
            )
        )
        for lot in self:
            lot.entitlement_count = counts.get(lot, 0)

    def _compute_repair_history(self):
        self.last_repair_id = False
        self.repair_warranty_end = False
        # sudo: the last repair and its warranty, for readers without repair rights
        Repair = self.env["repair.order"].sudo()
        if not self.ids:
            return
        for lot, last_id, warranty_end in Repair._read_group(
            [("lot_id", "in", self.ids), ("state", "=", "done")],
            ["lot_id"],
            ["id:max", "repair_warranty_end:max"],
        ):
            lot.last_repair_id = Repair.browse(last_id).with_env(self.env)
            lot.repair_warranty_end = warranty_end

    @api.constrains("warranty_date_start", "warranty_date_end")
    def _check_warranty_dates(self):
        for lot in self:
            if (
                lot.warranty_date_start
                and lot.warranty_date_end
                and lot.warranty_date_end < lot.warranty_date_start
            ):
                raise ValidationError(
                    self.env._(
                        "The warranty of %(lot)s cannot end before it starts.",
                        lot=lot.name,
                    )
                )

    @api.model
    def _service_find_or_create(self, product, name, company):
        """The serial number ``name`` of ``product``, created when it is not
        recorded yet (a unit typed in: a replacement, the vendor's)."""
        # sudo: a unit typed in is found among all serials, or recorded, whoever types
        Lot = self.sudo()
        lot = Lot.search(
            [("product_id", "=", product.id), ("name", "=", name)], limit=1
        ) or Lot.create(
            {"name": name, "product_id": product.id, "company_id": company.id}
        )
        return lot.with_env(self.env)

    def _service_stock_location(self, company):
        """The internal location of ``company`` where this unit is, if it
        is in stock."""
        self.ensure_one()
        # sudo: where the unit is in ``company``'s stock, whatever the asker may read
        quant = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "=", self.id),
                    ("quantity", ">", 0),
                    ("location_id.usage", "=", "internal"),
                    ("company_id", "=", company.id),
                ],
                limit=1,
            )
        )
        return quant.location_id.with_env(self.env)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_contract_line(self):
        """A serial number a service contract names stays: without it the
        contract line would cover every unit of its product."""
        # sudo: any contract line naming the serial keeps it, whoever may read it
        lines = (
            self.env["service.entitlement.contract.line"]
            .sudo()
            .search([("lot_id", "in", self.ids)], limit=1)
        )
        if lines:
            raise UserError(
                self.env._(
                    "%(lot)s is covered by the service contract %(contract)s: "
                    "end its contract line instead of deleting it.",
                    lot=lines.lot_id.name,
                    contract=lines.entitlement_id.display_name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_service_history(self):
        """A service item's history stays with it: deleting it would take
        away its components, warranty layers, loans, claims and campaign
        items with it, and widen an entitlement that names it to every
        unit."""
        dependents = (
            ("service.entitlement", "lot_ids", self.env._("entitlements")),
            ("service.lot.component", "lot_id", self.env._("components")),
            ("service.warranty.layer", "lot_id", self.env._("warranty layers")),
            ("service.campaign.item", "lot_id", self.env._("service campaigns")),
            ("service.loaner.loan", "lot_id", self.env._("loans")),
            ("service.vendor.claim", "lot_id", self.env._("warranty claims")),
        )
        for model, fname, what in dependents:
            # sudo: any history of the serial keeps it, whoever may read it
            found = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .search([(fname, "in", self.ids)], limit=1)
            )
            if found:
                lot = found[fname] & self
                raise UserError(
                    self.env._(
                        "%(lot)s has %(what)s (%(record)s): a service item "
                        "keeps its history and cannot be deleted.",
                        lot=lot[:1].display_name,
                        what=what,
                        record=found.display_name,
                    )
                )

    @api.constrains("customer_id")
    def _check_customer_entitlements(self):
        for lot in self:
            partner = lot.customer_id.commercial_partner_id
            if not partner:
                continue
            foreign = lot.entitlement_ids.filtered(
                lambda e, partner=partner: (
                    e.partner_id != partner
                    and e.state in ("draft", "waiting", "active")
                )
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "%(lot)s is covered by %(entitlement)s of %(customer)s: "
                        "it cannot be given to %(new)s.",
                        lot=lot.name,
                        entitlement=foreign[0].display_name,
                        customer=foreign[0].partner_id.name,
                        new=partner.name,
                    )
                )

    # ------------------------------------------------------------------
    # Warranty transfer
    # ------------------------------------------------------------------

    def action_service_transfer(self):
        """Open the transfer wizard (service desk)."""
        self.ensure_one()
        self._check_can_transfer()
        return dialog(
            "service.lot.transfer.wizard",
            self.env._("Transfer"),
            default_lot_id=self.id,
        )

    def _check_can_transfer(self):
        if not self.env.user.has_group("service_entitlement.group_service_desk"):
            raise AccessError(
                self.env._("Only the service desk can transfer a service item.")
            )

    def _service_transfer(self, customer, origin=None):
        """Give the serial number to ``customer``: its transferable
        entitlements follow it (the new owner gets an entitlement for the rest
        of the term and the serial number's share of the remaining terms),
        the others stop covering it; both are logged on the serial number and
        the entitlements.  ``origin`` (a delivery) is named in the logs."""
        self.ensure_one()
        customer = customer.commercial_partner_id
        if not customer:
            raise UserError(self.env._("Choose the new owner."))
        # sudo: the desk's transfer or a delivery moves the serial's entitlements
        lot = self.sudo()
        if lot.customer_id.commercial_partner_id == customer:
            raise UserError(
                self.env._(
                    "%(lot)s already belongs to %(customer)s.",
                    lot=lot.name,
                    customer=customer.name,
                )
            )
        today = fields.Date.context_today(self)
        why = (
            self.env._("delivered by %(origin)s", origin=origin.display_name)
            if origin
            else self.env._("transferred by %(user)s", user=self.env.user.name)
        )
        covering = lot.entitlement_ids.filtered(
            lambda e: (
                e.partner_id != customer and e.state in ("draft", "waiting", "active")
            )
        )
        # Decided on the entitlements as they stand; then the old owner's
        # let go of the serial number, it changes owner, and the new owner's
        # are made (an entitlement covers only its customer's serials).
        moves = [
            (
                entitlement,
                entitlement.transferable and entitlement.state in ("waiting", "active"),
                entitlement._transfer_share(lot),
                entitlement.state,
            )
            for entitlement in covering
        ]
        for entitlement, follows, share, __ in moves:
            entitlement._transfer_release(lot, share if follows else 0.0)
        lot.customer_id = customer
        followed = lot.entitlement_ids.browse()
        for entitlement, follows, share, state in moves:
            if not follows:
                entitlement.message_post(
                    body=self.env._(
                        "%(lot)s changed owner (%(why)s): this entitlement no "
                        "longer covers it.",
                        lot=lot.name,
                        why=why,
                    )
                )
                continue
            new = entitlement._transfer_copy(lot, customer, share, today, state)
            followed |= new
            share_text = f"{share:g}"
            entitlement.message_post(
                body=self.env._(
                    "%(lot)s changed owner (%(why)s): this entitlement follows "
                    "it to %(customer)s as %(new)s, with %(share)s %(unit)s.",
                    lot=lot.name,
                    why=why,
                    customer=customer.name,
                    new=new.display_name,
                    share=share_text,
                    unit=entitlement._unit_label(),
                )
            )
            new.message_post(
                body=self.env._(
                    "Transferred from %(entitlement)s of %(owner)s with %(lot)s "
                    "(%(why)s).",
                    entitlement=entitlement.display_name,
                    owner=entitlement.partner_id.name,
                    lot=lot.name,
                    why=why,
                )
            )
        stopped = [e for e, follows, __, ___ in moves if not follows]
        lot.message_post(
            body=self.env._(
                "New owner %(customer)s (%(why)s). Entitlements that follow: "
                "%(followed)s. Entitlements that stop covering it: %(stopped)s.",
                customer=customer.name,
                why=why,
                followed=", ".join(followed.mapped("display_name"))
                or self.env._("none"),
                stopped=", ".join(e.display_name for e in stopped)
                or self.env._("none"),
            )
        )
        return followed

    def action_view_entitlements(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_action"
        )
        action["domain"] = [("lot_ids", "in", self.ids)]
        action["context"] = {
            "default_lot_ids": [self.id],
            "default_partner_id": self.customer_id.commercial_partner_id.id,
        }
        return action
