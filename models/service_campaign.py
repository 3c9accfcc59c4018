from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .ledger_guard import ledger_writer
from .notify import notification
from .roles import check_roles


class ServiceCampaign(models.Model):
    """A service campaign (a recall, a field change): work to do on a set
    of serial numbers of one product, at no cost to their owners.  Managers
    define it and add its serial numbers (a list, a range, or those
    received in a period); one action makes a repair order for each serial
    whose owner is known, covered by the campaign and using none of their
    entitlements' terms; owners are told by email and see it on the
    portal."""

    _name = "service.campaign"
    _description = "Service Campaign"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('tracking', '=', 'serial')]",
        tracking=True,
    )
    date_start = fields.Date(
        string="Start", required=True, default=fields.Date.context_today
    )
    description = fields.Html(
        string="What Is Done",
        translate=True,
        help="Told to the owners in the notification and on the portal.",
    )
    fault_reason_id = fields.Many2one(
        "service.fault.reason", help="Set on the campaign's repair orders."
    )
    item_ids = fields.One2many(
        "service.campaign.item", "campaign_id", string="Serial Numbers"
    )
    item_count = fields.Integer(compute="_compute_progress", string="Serials")
    done_count = fields.Integer(compute="_compute_progress", string="Done")
    open_count = fields.Integer(compute="_compute_progress", string="Repairs Open")
    pending_count = fields.Integer(compute="_compute_progress", string="To Repair")
    completion = fields.Float(
        compute="_compute_progress",
        string="Completion (%)",
        help="Serials done over the campaign's serials.",
    )

    @api.depends("item_ids.state")
    def _compute_progress(self):
        for campaign in self:
            states = campaign.item_ids.mapped("state")
            campaign.item_count = len(states)
            campaign.done_count = states.count("done")
            campaign.open_count = states.count("open")
            campaign.pending_count = states.count("pending") + states.count("no_owner")
            campaign.completion = (
                100.0 * campaign.done_count / len(states) if states else 0.0
            )

    @api.constrains("product_id")
    def _check_product(self):
        for campaign in self:
            if campaign.product_id.tracking != "serial":
                raise ValidationError(
                    self.env._(
                        "A service campaign is about serial numbers: "
                        "%(product)s is not tracked by serial number.",
                        product=campaign.product_id.display_name,
                    )
                )

    def _check_groups(self, *groups):
        check_roles(
            self.env,
            groups,
            self.env._("You are not allowed to do this with service campaigns."),
        )

    # ------------------------------------------------------------------
    # Its serial numbers
    # ------------------------------------------------------------------

    def _add_lots(self, lots):
        """Add ``lots`` (of the campaign's product) not in it yet; their
        owner is each serial's customer."""
        self.ensure_one()
        self._check_groups("group_entitlement_manager")
        wrong = lots.filtered(lambda lot: lot.product_id != self.product_id)
        if wrong:
            raise UserError(
                self.env._(
                    "%(lot)s is a serial number of %(product)s, not of the "
                    "campaign's product.",
                    lot=wrong[0].name,
                    product=wrong[0].product_id.display_name,
                )
            )
        # sudo: every serial already in the campaign counts, whatever the manager reads
        new = lots - self.sudo().item_ids.lot_id
        items = self.env["service.campaign.item"]._flow_create(
            [
                {
                    "campaign_id": self.id,
                    "lot_id": lot.id,
                    "partner_id": lot.customer_id.id,
                }
                for lot in new
            ]
        )
        if items:
            self.message_post(
                body=self.env._("%(count)s serial numbers added.", count=len(items))
            )
        return items

    def _lots_in_range(self, first, last):
        """The serial numbers of the product from ``first`` to ``last``, in
        the order of their names."""
        self.ensure_one()
        first, last = (first or "").strip(), (last or "").strip()
        if not first or not last or first > last:
            raise UserError(
                self.env._("Give the first and the last serial number, in order.")
            )
        return self.env["stock.lot"].search(
            [
                ("product_id", "=", self.product_id.id),
                ("name", ">=", first),
                ("name", "<=", last),
            ]
        )

    def _lots_received(self, date_from, date_to):
        """The serial numbers of the product received from vendors between
        ``date_from`` and ``date_to``."""
        self.ensure_one()
        if not date_from or not date_to or date_from > date_to:
            raise UserError(
                self.env._("Give the period's first and last day, in order.")
            )
        lines = self.env["stock.move.line"].search(
            [
                ("product_id", "=", self.product_id.id),
                ("state", "=", "done"),
                ("location_id.usage", "=", "supplier"),
                ("lot_id", "!=", False),
                ("date", ">=", fields.Datetime.to_datetime(date_from)),
                (
                    "date",
                    "<",
                    fields.Datetime.to_datetime(date_to) + relativedelta(days=1),
                ),
            ]
        )
        return lines.lot_id

    # ------------------------------------------------------------------
    # Its repairs and its owners
    # ------------------------------------------------------------------

    def action_create_repairs(self):
        """A repair order for each serial whose owner is known and that has
        none yet, covered by the campaign; once, even when two users click
        at the same time."""
        self.ensure_one()
        self._check_groups("group_service_desk", "group_entitlement_manager")
        if not self.company_id._service_uses("campaigns"):
            raise UserError(
                self.env._(
                    "%(company)s does not use service campaigns (Settings > "
                    "Service > Features).",
                    company=self.company_id.name,
                )
            )
        self.env.cr.execute(
            SQL(
                "SELECT id FROM service_campaign WHERE id = %s FOR NO KEY UPDATE",
                self.id,
            )
        )
        self.invalidate_recordset(["item_ids"])
        # sudo: every item and its repairs are checked, whatever the desk may read
        items = self.sudo().item_ids.filtered(
            lambda i: i.partner_id and not i.repair_ids
        )
        Repair = self.env["repair.order"]
        repairs = Repair
        for item in items:
            with ledger_writer():
                repair = Repair.create(
                    {
                        "partner_id": item.partner_id.id,
                        "product_id": self.product_id.id,
                        "lot_id": item.lot_id.id,
                        "company_id": self.company_id.id,
                        "fault_reason_id": self.fault_reason_id.id,
                        "campaign_item_id": item.id,
                        "internal_notes": self.description,
                    }
                )
            repairs |= repair
        message = (
            self.env._("%(count)s repair orders created.", count=len(repairs))
            if repairs
            else self.env._("Every serial with an owner has its repair order.")
        )
        return notification(message, "success" if repairs else "info")

    def action_notify_owners(self):
        """Tell each owner not told yet, by email, once."""
        self.ensure_one()
        self._check_groups("group_service_desk", "group_entitlement_manager")
        template = self.env.ref("service_entitlement.mail_template_service_campaign")
        # sudo: every owner not told yet is told, whatever items the desk may read
        items = self.sudo().item_ids.filtered(
            lambda i: i.partner_id and not i.notified_on
        )
        for item in items:
            # sudo: the desk reads items only; sending logs the mail on the item
            template.sudo().send_mail(
                item.id, email_layout_xmlid="mail.mail_notification_light"
            )
        with ledger_writer():
            items.write({"notified_on": fields.Datetime.now()})
        return notification(self.env._("%(count)s owners notified.", count=len(items)))

    def action_view_repairs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "repair.action_repair_order_tree"
        )
        action["domain"] = [("campaign_item_id.campaign_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
