"""Scheduled jobs over many entitlements: what a batch costs does not grow
with the records it handles (a few statements a batch, not a few a record),
and a job that is a scheduled run handles one batch, reports what remains to
Odoo's scheduler and goes on where it stopped."""

from dateutil.relativedelta import relativedelta

from odoo.tests.common import tagged

from ..models import cron_batch
from .bulk_data import insert_entitlements
from .common import EntitlementCase


@tagged("post_install", "-at_install")
class TestCronQueries(EntitlementCase):
    def _bulk(self, count, **values):
        """``count`` entitlements of the customer, in SQL (``values``: SQL
        expressions of their columns); their ids."""
        self.env.flush_all()
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM service_entitlement")
        (last,) = self.env.cr.fetchone()
        insert_entitlements(
            self.env.cr,
            count,
            {
                "partner_id": "%(customer)s",
                "company_id": "%(company)s",
                "date_start": "%(start)s",
                "date_end": "%(end)s",
                "code": f"'CRON-{last}/' || g",
                **values,
            },
            {
                "customer": self.customer.id,
                "company": self.company.id,
                "start": self.today - relativedelta(days=30),
                "end": self.today + relativedelta(days=300),
                "ended": self.today - relativedelta(days=1),
                "soon": self.today + relativedelta(days=20),
            },
        )
        self.env.invalidate_all()
        return self.env["service.entitlement"].search([("id", ">", last)])

    def _job_queries(self, job):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        job()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_state_job_costs_the_same_for_more_entitlements(self):
        job = self.env["service.entitlement"]._cron_update_states
        job()  # what the job does once a day anyway (the contracts' mark)
        counts = {}
        for size in (5, 40):
            ended = self._bulk(size, date_end="%(ended)s")
            waiting = self._bulk(size, state="'waiting'")
            counts[size] = self._job_queries(job)
            self.assertEqual(set(ended.mapped("state")), {"expired"})
            self.assertEqual(set(waiting.mapped("state")), {"active"})
        self.assertLessEqual(counts[40], counts[5], "no query per entitlement")

    def _scheduled(self):
        """The model as a scheduled run sees it, batches of 3; the list of
        the (done, remaining) each run reports."""
        reported = []
        Cron = type(self.env["ir.cron"])

        def notify(cron, *, done, remaining, deactivate=False):
            reported.append((done, remaining))

        self.patch(Cron, "_notify_progress", notify)
        self.patch(cron_batch, "BATCH_SIZE", 3)
        Entitlement = self.env["service.entitlement"]
        return Entitlement.with_context(ir_cron_progress_id=-1), reported

    def test_a_scheduled_run_handles_one_batch_and_reports_the_rest(self):
        ended = self._bulk(7, date_end="%(ended)s")
        scheduled, reported = self._scheduled()
        for expected in ((3, 4), (3, 1), (1, 0)):
            scheduled._cron_update_states()
            self.assertEqual(reported[-1], expected)
        self.assertEqual(set(ended.mapped("state")), {"expired"})
        self.assertFalse(scheduled._cron_update_states(), "nothing left")

    def test_expiry_alerts_go_out_a_batch_a_run_once_each(self):
        self.company.entitlement_expiry_alert_days = 30
        ending = self._bulk(7, date_end="%(soon)s")
        self._bulk(2)  # ending later: no alert yet
        scheduled, reported = self._scheduled()
        for expected in ((3, 4), (3, 1), (1, 0)):
            scheduled._cron_send_alerts()
            self.assertEqual(reported[-1], expected)
        self.assertTrue(all(ending.mapped("expiry_alert_sent")))
        self.assertEqual(len(ending.activity_ids), 7, "one alert each")
        self.assertFalse(scheduled._cron_send_alerts(), "nothing left")
