from markupsafe import Markup

from odoo import fields, models

from .ledger_guard import ledger_writer

# rating.rating's texts: below "okay" is a complaint.
LOW_RATINGS = ("ko",)
# The ratings of repairs are the customer's: asked by the flow, answered
# through the rating link; no employee writes one over the API.
REPAIR_RATING = [("res_model", "=", "repair.order")]
REPAIR_RATING_FIELDS = (
    "rating",
    "feedback",
    "consumed",
    "res_model_id",
    "res_id",
    "partner_id",
    "rated_partner_id",
    "access_token",
    "is_internal",
)


class RatingRating(models.Model):
    _inherit = "rating.rating"
    # Which document a rating is of follows its model (a related field that
    # nobody writes); the rest is protected on ratings of repairs.
    _flow_only_declared = {
        "res_model": True,
        **dict.fromkeys(REPAIR_RATING_FIELDS, REPAIR_RATING),
    }


class RepairOrder(models.Model):
    """The customer's rating of a finished repair (Odoo's ``rating.mixin``,
    as Project and Helpdesk use it): one request by email when the repair is
    done, the answer on the repair, its entitlement and the portal, and an
    activity for someone to call back when the customer is unhappy."""

    _name = "repair.order"
    # rating.mixin extends mail.thread: listed again after it, the thread
    # keeps a consistent place in the class hierarchy.
    _inherit = ["repair.order", "rating.mixin", "mail.thread"]

    def _rating_request_wanted(self):
        """Done repairs of a customer who has an email address, not the
        company's own (internal) repairs nor planned service, never asked
        before, in companies that ask (Settings)."""
        return self.filtered(
            lambda r: (
                r.state == "done"
                and not r.planned_service
                and r.partner_id.email
                and r.company_id.entitlement_rating_request
                and r.partner_id.commercial_partner_id
                != r.company_id.partner_id.commercial_partner_id
                # sudo: asked once: any rating of the repair counts, whoever closes it
                and not r.sudo().rating_ids
            )
        )

    def _rating_request_send(self):
        repairs = self._rating_request_wanted()
        if not repairs:
            return
        template = self.env.ref(
            "service_entitlement.mail_template_repair_rating",
            raise_if_not_found=False,
        )
        if not template:
            return
        for repair in repairs:
            with ledger_writer():
                # sudo: whoever closes the repair, the request and rating are the flow's
                repair.sudo().rating_send_request(
                    template, lang=repair.partner_id.lang, force_send=False
                )

    def _rating_follow_up(self, rating):
        """An unhappy customer gets a call back: an activity for the
        entitlement's responsible, else the repair's, else the manager of
        the service desk.  Called as superuser, by ``rating_apply`` only."""
        self.ensure_one()
        if rating.rating_text not in LOW_RATINGS:
            return
        user = (
            self.entitlement_id.user_id
            or self.user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=user.id,
            summary=self.env._(
                "Call back: the customer is unhappy with %(repair)s", repair=self.name
            ),
            note=Markup("<p>%s</p>") % (rating.feedback or ""),
            date_deadline=fields.Date.context_today(self),
        )


class ServiceEntitlement(models.Model):
    _inherit = "service.entitlement"

    repair_rating_avg = fields.Float(
        string="Satisfaction",
        compute="_compute_repair_rating",
        digits=(3, 1),
        help="Average rating (1 to 5) customers gave the repairs of this entitlement.",
    )
    repair_rating_count = fields.Integer(compute="_compute_repair_rating")

    def _compute_repair_rating(self):
        groups = dict.fromkeys(self.ids, (0.0, 0))
        if self.ids:
            # sudo: whoever reads the entitlement sees its rating (a managers' report)
            Report = self.env["service.repair.rating.report"].sudo()
            for entitlement, avg, count in Report._read_group(
                [("entitlement_id", "in", self.ids)],
                ["entitlement_id"],
                ["rating:avg", "__count"],
            ):
                groups[entitlement.id] = (avg, count)
        for rec in self:
            rec.repair_rating_avg, rec.repair_rating_count = groups.get(
                rec.id, (0.0, 0)
            )

    def action_view_repair_ratings(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.repair_rating_report_action"
        )
        action["domain"] = [("entitlement_id", "=", self.id)]
        action["context"] = {}
        return action
