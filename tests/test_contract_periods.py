"""Service contracts as Business Central invoices and credits them, the
default for new contracts: month parts, periods from the first whole month,
the starting period invoiced on activation, in-arrears invoices dated on the
period's last day, credits one line per month.

Every figure is worked out by hand in its comment from BC's rules: a span
costs annual amount / 12 x months, a whole calendar month counting 1 and a
part of a month its days over the month's days; each line's amount per
period is rounded to the cent.  The lines: SRV-A 1,200.00 a year (100.00 a
month) and SRV-B 800.00 less 10 % = 720.00 a year (60.00 a month)."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError

from ..models.contract_periods import grid_period, month_parts, month_slices
from .test_service_contract import ServiceContractCase


class TestMonthParts(ServiceContractCase):
    def test_month_parts(self):
        # Ten whole months.
        self.assertEqual(month_parts(date(2027, 2, 1), date(2027, 11, 30)), 10)
        # 22 of January's 31 days, however the period is cut.
        self.assertAlmostEqual(
            month_parts(date(2027, 1, 10), date(2027, 1, 31)), 22 / 31
        )
        # Across a leap February: 20 of its 29 days and 15 of March's 31.
        self.assertAlmostEqual(
            month_parts(date(2028, 2, 10), date(2028, 3, 15)), 20 / 29 + 15 / 31
        )
        # The same days of a common year's February: 19 of 28.
        self.assertAlmostEqual(
            month_parts(date(2027, 2, 10), date(2027, 2, 28)), 19 / 28
        )
        self.assertEqual(
            [
                (s.start, s.end)
                for s in month_slices(date(2027, 3, 10), date(2027, 4, 30))
            ],
            [
                (date(2027, 3, 10), date(2027, 3, 31)),
                (date(2027, 4, 1), date(2027, 4, 30)),
            ],
        )

    def test_grid(self):
        # Quarters from 1 February: February-April, May-July...
        anchor = date(2027, 2, 1)
        self.assertEqual(
            grid_period(anchor, 3, date(2027, 6, 15)),
            (date(2027, 5, 1), date(2027, 7, 31)),
        )
        self.assertEqual(
            grid_period(anchor, 3, date(2027, 1, 20)),
            (date(2026, 11, 1), date(2027, 1, 31)),
        )


class TestBusinessCentralInvoicing(ServiceContractCase):
    def _lines(self, invoice):
        return {
            item: line.price_subtotal
            for item, line in self._lines_by_item(invoice).items()
        }

    def _monthly_in_arrears_from_10_january(self):
        with freeze_time("2027-01-10"):
            contract = self._create_contract(
                date_start=date(2027, 1, 10),
                invoice_period="month",
                invoice_prepaid=False,
            )
            contract.action_activate()
        return contract

    def test_new_contract_defaults_to_business_central(self):
        contract = self._create_contract()
        self.assertEqual(contract.proration_method, "month_parts")
        self.assertEqual(contract.period_alignment, "first_month")

    def test_ten_months_are_ten_twelfths(self):
        """A yearly contract from 1 February to 30 November: 1,000.00 for
        SRV-A (10 x 100.00), not 303/365 of a year."""
        with freeze_time("2027-02-01"):
            contract = self._create_contract(
                date_start=date(2027, 2, 1),
                date_end=date(2027, 11, 30),
                invoice_period="year",
            )
            contract.action_activate()
            self.assertEqual(contract.next_invoice_date, date(2027, 2, 1))
            # 1,000.00 + 10 x 60.00
            self.assertEqual(contract.next_invoice_amount, 1600.0)
            invoice = self._invoice_due(date(2027, 2, 1))
            self.assertEqual(self._lines(invoice), {"SRV-A": 1000.0, "SRV-B": 600.0})
            self.assertEqual(invoice.invoice_date, date(2027, 2, 1))

    def test_starting_period_on_activation_then_quarters(self):
        """Signed on 20 January, prepaid by quarter: the starting period
        (20-31 January) is invoiced on activation, then quarters from
        1 February; the last one ends with the contract on 19 January."""
        with freeze_time("2027-01-20"):
            contract = self._create_contract(
                date_start=date(2027, 1, 20), date_end=date(2028, 1, 19)
            )
            contract.with_user(self.manager_user).action_activate()
            starting = contract.contract_id._get_related_invoices()
            self.assertEqual(len(starting), 1, "invoiced on activation")
            # 12/31 of a month: 100.00 x 12/31 = 38.709 and 60.00 x 12/31 = 23.225
            self.assertEqual(self._lines(starting), {"SRV-A": 38.71, "SRV-B": 23.23})
            self.assertEqual(starting.invoice_date, date(2027, 1, 20))
            line = self._lines_by_item(starting)["SRV-A"]
            self.assertEqual(
                (line.service_period_start, line.service_period_end),
                (date(2027, 1, 20), date(2027, 1, 31)),
            )
            self.assertIn("discount", self._lines_by_item(starting)["SRV-B"].name)
            self.assertLogged(contract, "Starting period invoiced")
            starting.action_post()
            self.assertFalse(self._invoice_due(date(2027, 1, 20)), "not twice")
            self.assertEqual(contract.next_invoice_date, date(2027, 2, 1))
            self.assertEqual(contract.next_invoice_amount, 300.0 + 180.0)
        periods = {
            "2027-02-01": (
                (2027, 2, 1),
                (2027, 4, 30),
                {"SRV-A": 300.0, "SRV-B": 180.0},
            ),
            "2027-05-01": (
                (2027, 5, 1),
                (2027, 7, 31),
                {"SRV-A": 300.0, "SRV-B": 180.0},
            ),
            "2027-08-01": (
                (2027, 8, 1),
                (2027, 10, 31),
                {"SRV-A": 300.0, "SRV-B": 180.0},
            ),
            # November, December and 19/31 of January: 2.6129 months,
            # 261.29 and 156.77
            "2027-11-01": (
                (2027, 11, 1),
                (2028, 1, 19),
                {"SRV-A": 261.29, "SRV-B": 156.77},
            ),
        }
        for day, (start, end, amounts) in periods.items():
            with freeze_time(day):
                invoice = self._invoice_due(date.fromisoformat(day))
                self.assertEqual(len(invoice), 1, day)
                self.assertEqual(self._lines(invoice), amounts, day)
                self.assertEqual(invoice.invoice_date, date.fromisoformat(day))
                self.assertEqual(
                    set(invoice.invoice_line_ids.mapped("service_period_start")),
                    {date(*start)},
                )
                self.assertEqual(
                    set(invoice.invoice_line_ids.mapped("service_period_end")),
                    {date(*end)},
                )
                invoice.action_post()
        self.assertFalse(contract.next_invoice_date, "the contract is invoiced")
        # The whole contract: twelve months of each line to the cent but for
        # the per-period rounding: 38.71 + 3 x 300.00 + 261.29 = 1,200.00.
        self.assertEqual(
            sum(
                contract.contract_id._get_related_invoices()
                .invoice_line_ids.filtered(
                    lambda line: (
                        line.contract_line_id.service_line_id.lot_id == self.lot_a
                    )
                )
                .mapped("price_subtotal")
            ),
            1200.0,
        )

    def test_leap_february_starting_period(self):
        """Monthly and prepaid from 15 February 2028: 15 of February's 29
        days, 100.00 x 15/29 = 51.72 and 60.00 x 15/29 = 31.03."""
        with freeze_time("2028-02-15"):
            contract = self._create_contract(
                date_start=date(2028, 2, 15),
                date_end=date(2028, 12, 31),
                invoice_period="month",
            )
            contract.action_activate()
            starting = contract.contract_id._get_related_invoices()
            self.assertEqual(self._lines(starting), {"SRV-A": 51.72, "SRV-B": 31.03})
            self.assertEqual(contract.next_invoice_date, date(2028, 3, 1))

    def test_in_arrears_dated_on_the_last_day(self):
        """Monthly in arrears from 10 January: the starting period is due
        and dated on 31 January (22/31 of a month: 70.97 and 42.58), not on
        1 February."""
        contract = self._monthly_in_arrears_from_10_january()
        self.assertFalse(contract.contract_id._get_related_invoices())
        self.assertEqual(contract.next_invoice_date, date(2027, 1, 31))
        with freeze_time("2027-01-30"):
            self.assertFalse(self._invoice_due(date(2027, 1, 30)))
        with freeze_time("2027-01-31"):
            invoice = self._invoice_due(date(2027, 1, 31))
            self.assertEqual(self._lines(invoice), {"SRV-A": 70.97, "SRV-B": 42.58})
            self.assertEqual(invoice.invoice_date, date(2027, 1, 31))
            self.assertEqual(contract.next_invoice_date, date(2027, 2, 28))

    def test_two_periods_in_one_run_and_not_again(self):
        """Left uninvoiced until 5 March: one run makes the January and
        February invoices, each dated on its period's last day; a second
        run and OCA contract's own job make nothing more."""
        contract = self._monthly_in_arrears_from_10_january()
        with freeze_time("2027-03-05"):
            invoices = self._invoice_due(date(2027, 3, 5))
            self.assertEqual(
                sorted(invoices.mapped("invoice_date")),
                [date(2027, 1, 31), date(2027, 2, 28)],
            )
            february = invoices.filtered(
                lambda move: move.invoice_date == date(2027, 2, 28)
            )
            self.assertEqual(self._lines(february), {"SRV-A": 100.0, "SRV-B": 60.0})
            self.assertFalse(self._invoice_due(date(2027, 3, 5)))
            self.env["contract.contract"]._cron_recurring_create(date(2027, 3, 5))
            self.assertEqual(contract.contract_invoice_count, 2)
            self.assertEqual(contract.next_invoice_date, date(2027, 3, 31))

    def test_daily_job_invoices_every_period_due(self):
        """OCA contract's daily job takes the same road as the clerk."""
        contract = self._monthly_in_arrears_from_10_january()
        with freeze_time("2027-03-05"):
            self.env["contract.contract"]._cron_recurring_create(date(2027, 3, 5))
            self.assertEqual(contract.contract_invoice_count, 2)
            self.assertFalse(self._invoice_due(date(2027, 3, 5)))

    def test_removal_is_credited_by_month(self):
        """Prepaid by quarter from 1 February; SRV-A is removed on 10 March
        (BC's removal date, the first day not covered: its last day covered
        is 9 March).  Credit: 22/31 of March, 70.97, and all of April,
        100.00, one line each."""
        with freeze_time("2027-02-01"):
            contract = self._create_contract(date_start=date(2027, 2, 1))
            contract.action_activate()
            self.assertFalse(
                contract.contract_id._get_related_invoices(),
                "no starting period on the 1st",
            )
            self._invoice_due(date(2027, 2, 1)).action_post()
        with freeze_time("2027-03-10"):
            line_a = contract.contract_line_ids.filtered(
                lambda line: line.lot_id == self.lot_a
            )
            self._end_line(line_a, date(2027, 3, 9))
            credit = line_a.credit_move_id
            self.assertEqual(
                [
                    (
                        line.service_period_start,
                        line.service_period_end,
                        line.price_subtotal,
                    )
                    for line in credit.invoice_line_ids.sorted("service_period_start")
                ],
                [
                    (date(2027, 3, 10), date(2027, 3, 31), 70.97),
                    (date(2027, 4, 1), date(2027, 4, 30), 100.0),
                ],
            )
            self.assertEqual(line_a.credited_from, date(2027, 3, 10))
            self.assertEqual(line_a._fields["date_end"].string, "Last Day Covered")
        with freeze_time("2027-05-01"):
            may = self._invoice_due(date(2027, 5, 1))
            self.assertEqual(self._lines(may), {"SRV-B": 180.0})

    def test_cancellation_credits_what_was_invoiced_whole(self):
        """A line that had not started when the contract is cancelled is
        credited exactly what it was invoiced, whatever the month parts
        round to: 1,000.00 a year invoiced for a quarter is 250.00, three
        months of 83.33 would be 249.99."""
        with freeze_time("2027-02-01"):
            contract = self._create_contract(
                date_start=date(2027, 2, 1),
                contract_line_ids=[
                    Command.create({"lot_id": self.lot_a.id, "line_value": 1000.0}),
                    Command.create(
                        {
                            "lot_id": self.lot_b.id,
                            "line_value": 1000.0,
                            "date_start": date(2027, 3, 1),
                        }
                    ),
                ],
            )
            contract.action_activate()
            invoice = self._invoice_due(date(2027, 2, 1))
            self.assertEqual(self._lines(invoice), {"SRV-A": 250.0})
            # A manager invoices SRV-B ahead, from 1 March: March and April,
            # 2 x 83.333 = 166.67.
            self.env["service.entitlement.contract.invoice.wizard"].with_user(
                self.manager_user
            ).create(
                {"date": date(2027, 3, 1), "invoice_ahead": True}
            ).action_create_invoices()
            ahead = contract.contract_id._get_related_invoices() - invoice
            self.assertEqual(self._lines(ahead), {"SRV-B": 166.67})
            (invoice | ahead).action_post()
            contract.with_user(self.manager_user).action_cancel()
            credit = contract.contract_line_ids.credit_move_id
            lines_b = credit.invoice_line_ids.filtered(
                lambda line: line.contract_line_id.service_line_id.lot_id == self.lot_b
            )
            self.assertAlmostEqual(sum(lines_b.mapped("price_subtotal")), 166.67)
            self.assertEqual(len(lines_b), 2, "one line per month")
            # SRV-A from 2 February: 27/28 of February (80.36) and two months.
            lines_a = credit.invoice_line_ids - lines_b
            self.assertEqual(
                sorted(lines_a.mapped("price_subtotal")), [80.36, 83.33, 83.33]
            )

    def test_template_carries_the_rules(self):
        template = self.env["service.entitlement.template"].create(
            {
                "name": "Legacy contract",
                "entitlement_type": "service_contract",
                "proration_method": "days",
                "period_alignment": "calendar",
            }
        )
        contract = self.env["service.entitlement"].create(
            {
                "partner_id": self.customer.id,
                "template_id": template.id,
                "date_start": date(2027, 1, 1),
            }
        )
        self.assertEqual(contract.proration_method, "days")
        self.assertEqual(contract.period_alignment, "calendar")

    def test_rules_fixed_once_invoiced(self):
        with freeze_time("2027-02-01"):
            contract = self._create_contract(date_start=date(2027, 2, 1))
            contract.action_activate()
            with self.assertRaisesRegex(UserError, "cannot change"):
                contract.with_user(self.manager_user).proration_method = "days"
