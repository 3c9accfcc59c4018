import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.osv.expression import AND, OR
from odoo.tools import format_date

from . import entitlement_policy as policy
from .cron_batch import in_batches

_logger = logging.getLogger(__name__)


class ServiceEntitlement(models.Model):
    """Alerts for the customer's salesperson: before an entitlement ends and
    when its terms run low, once each."""

    _inherit = "service.entitlement"

    def _alert_responsible(self):
        self.ensure_one()
        return self.partner_id.user_id or self.user_id or self.env.user

    def _send_alert(self, summary, body):
        """An activity and an email for the customer's salesperson."""
        self.ensure_one()
        user = self._alert_responsible()
        self.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=body, user_id=user.id
        )
        self.message_post(
            body=body,
            subject=summary,
            partner_ids=user.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _check_threshold_alert(self):
        """Alert the entitlements whose terms fell to their threshold, once."""
        due = self.filtered(
            lambda r: (
                r.state == "active"
                and not r.threshold_alert_sent
                and policy.terms_low(r.remaining_percent, r.alert_threshold_percent)
            )
        )
        due._send_threshold_alert()
        due._flow_write({"threshold_alert_sent": True})
        return due

    def _send_threshold_alert(self):
        """Tell the responsible that the terms are running low.  Consumption
        sets the flag itself, with the counters (see
        service.entitlement.reservation)."""
        for rec in self:
            rec._send_alert(
                self.env._("Entitlement running low: %(name)s", name=rec.display_name),
                self.env._(
                    "%(name)s of %(customer)s has %(left)s of %(total)s %(unit)s left.",
                    name=rec.display_name,
                    customer=rec.partner_id.name,
                    left=max(rec.remaining_terms, 0.0),
                    total=rec.total_terms,
                    unit=rec._unit_label(),
                ),
            )

    @api.model
    def _cron_send_alerts(self):
        """Alert before expiry, a batch at a time, and on low terms, once
        each; returns the entitlements alerted.  Idempotent."""
        today = fields.Date.context_today(self)
        pending = self._read_group(
            [("state", "=", "active"), ("expiry_alert_sent", "=", False)],
            ["company_id"],
        )
        alerted = self.browse()
        if pending:
            # Each company's own notice, in one domain.
            ending = OR(
                [
                    ("company_id", "=", company.id),
                    (
                        "date_end",
                        "<=",
                        today
                        + relativedelta(days=company.entitlement_expiry_alert_days),
                    ),
                ]
                for (company,) in pending
            )
            alerted = in_batches(
                self,
                AND(
                    [
                        [("state", "=", "active"), ("expiry_alert_sent", "=", False)],
                        ending,
                    ]
                ),
                lambda batch: batch._send_expiry_alert(),
            )
        # Consumption raises the low-terms alert with the counters; this
        # catches the entitlements whose terms fell otherwise.
        self.flush_model(
            [
                "state",
                "threshold_alert_sent",
                "remaining_percent",
                "alert_threshold_percent",
            ]
        )
        self.env.cr.execute(
            "SELECT id FROM service_entitlement WHERE state = 'active' "
            "AND NOT COALESCE(threshold_alert_sent, false) "
            "AND remaining_percent <= alert_threshold_percent"
        )
        low = self.browse([row_id for (row_id,) in self.env.cr.fetchall()])
        alerted |= low._check_threshold_alert()
        _logger.info("Entitlement alerts sent: %s", len(alerted))
        return alerted

    def _send_expiry_alert(self):
        for rec in self:
            rec._send_alert(
                self.env._("Entitlement ending: %(name)s", name=rec.display_name),
                self.env._(
                    "%(name)s of %(customer)s ends on %(date)s. Renew it if "
                    "the customer wants to stay covered.",
                    name=rec.display_name,
                    customer=rec.partner_id.name,
                    date=format_date(self.env, rec.date_end),
                ),
            )
        self._flow_write({"expiry_alert_sent": True})
