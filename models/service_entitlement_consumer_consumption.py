from odoo import models
from odoo.tools import float_compare

from .entitlement_flow import Need


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """Consumption: what the document holds on the ledger, taking and
    giving back its terms."""

    _inherit = "service.entitlement.consumer.mixin"

    def _entitlement_quantity(self, entitlement):
        """Terms one document takes: one incident, or its labour hours."""
        self.ensure_one()
        if entitlement.allocation_type == "hours":
            return self._entitlement_get_hours()
        return 1.0

    def _entitlement_live_consumptions(self, include_open=True):
        """{document id: its consumption of the current cycle, not reversed},
        for all the documents in one query.

        Open documents (drafts) hold none: a document that becomes open gives
        its consumption back on the way (see ``_entitlement_sync``).  Callers
        that only need the documents' settled state pass
        ``include_open=False`` and spare the query for drafts."""
        cycles = {
            doc.id: doc.entitlement_cycle
            for doc in self
            if isinstance(doc.id, int)
            and (include_open or not doc._entitlement_is_open())
        }
        if not cycles:
            return {}
        # sudo: the flow reads the document's live rows, whatever the user reads
        Ledger = self.env["service.entitlement.consumption"].sudo()
        # What the ledger already told this transaction (see
        # ServiceEntitlementConsumption._known_lives).
        known = Ledger._known_lives()
        lives, missing = {}, []
        for doc_id, cycle in cycles.items():
            entry = known.get((self._name, doc_id))
            if entry is None or entry[0] != cycle:
                missing.append(doc_id)
            elif entry[1]:
                lives[doc_id] = Ledger.browse(entry[1])
        if not missing:
            return lives
        rows = Ledger.search_fetch(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", missing),
                ("kind", "=", "consumption"),
                ("reversal_ids", "=", False),
            ],
            [
                "res_id",
                "cycle",
                "entitlement_id",
                "quantity",
                "overage_quantity",
                "channel",
                "waiver",
                "bill_overage",
            ],
        )
        found = {row.res_id: row for row in rows if row.cycle == cycles[row.res_id]}
        for doc_id in missing:
            row = found.get(doc_id)
            known[(self._name, doc_id)] = (cycles[doc_id], row.id if row else False)
        lives.update(found)
        return lives

    def _compute_entitlement_consumption_ids(self):
        # sudo: the document's rows are found whatever the reader's rules; shown as his
        Ledger = self.env["service.entitlement.consumption"].sudo()
        # New documents hold none; nor do those of a company without
        # entitlements, unless made before it switched them off.
        docs = self.filtered(
            lambda doc: (
                isinstance(doc.id, int)
                and (doc.entitlement_id or doc._service_using("entitlements"))
            )
        )
        rows = (
            Ledger.search([("res_model", "=", self._name), ("res_id", "in", docs.ids)])
            if docs
            else Ledger
        )
        by_document = rows.grouped(lambda row: row.res_id)
        for doc in self:
            mine = by_document.get(doc.id, rows.browse())
            doc.entitlement_consumption_ids = mine.with_env(self.env)
            doc.entitlement_consumption_count = len(mine)

    def _entitlement_need(self, entitlement, cycle=None):
        """What the document takes from ``entitlement``, as plain values
        (see models/entitlement_flow.py): the ledger reads nothing else of
        the document."""
        self.ensure_one()
        # Taking: the document holds no consumption in this cycle.
        waiver = self._entitlement_waiver(self.env["service.entitlement.consumption"])
        override = None
        if entitlement.limit_policy == "block":
            decision = self._entitlement_override_decision()
            if decision:
                override = {
                    "bill": decision["bill"],
                    "reason": decision["reason"],
                    "user_name": decision["user"].name,
                }
        return Need(
            res_model=self._name,
            res_id=self.id,
            name=self.display_name,
            cycle=self.entitlement_cycle if cycle is None else cycle,
            entitlement_id=entitlement.id,
            channel=self._entitlement_get_channel(),
            quantity=self._entitlement_quantity(entitlement),
            waiver=waiver
            and {
                "waiver": waiver["waiver"],
                "note": waiver["note"],
                "user_id": waiver.get("user", self.env.user).id,
            },
            override=override,
        )

    def _entitlement_consume(self, trigger):
        """Take the terms of the documents whose entitlement consumes on
        ``trigger`` ('confirm' or 'done')."""
        if self._entitlement_bypassed():
            return self.env["service.entitlement.consumption"]
        return self.filtered(
            lambda d: d.entitlement_id and d._entitlement_terms().consume_on == trigger
        )._entitlement_take()

    def _entitlement_take(self, lives=None):
        """Consume for each document with an entitlement that holds no live
        consumption yet: the ledger applies the entitlement's rules."""
        Flow = self.env["service.entitlement.flow"]
        docs = self.filtered("entitlement_id")
        if not docs or self._entitlement_bypassed():
            return self.env["service.entitlement.consumption"]
        if lives is None:
            lives = docs._entitlement_live_consumptions()
        return Flow._run(docs, Flow._plan_take(docs, lives))

    def _entitlement_invalidate(self):
        """The ledger changed: forget what was computed from it."""
        self.invalidate_recordset(
            [
                "entitlement_consumption_ids",
                "entitlement_consumption_count",
                "entitlement_coverage",
                "entitlement_explanation",
            ]
        )

    def _entitlement_release(self, note=False):
        """Reverse the live consumption of each document.  A document whose
        consumption was given back moves to its next cycle, in which it may
        consume again."""
        Flow = self.env["service.entitlement.flow"]
        if self._entitlement_bypassed():
            return self.env["service.entitlement.consumption"]
        lives = self._entitlement_live_consumptions()
        return Flow._run(self, Flow._plan_release(self, lives, note=note))

    def _entitlement_sync(self, lives=None):
        """Bring each document's consumption in line with what it is now
        (see service.entitlement.flow._plan_sync)."""
        if self._entitlement_bypassed():
            return
        if lives is None:
            lives = self._entitlement_live_consumptions()
        self.env["service.entitlement.flow"]._sync(self, lives)

    def _entitlement_recount_hours(self):
        """Hours entitlements consumed before the final hours were known take
        the final hours: the consumption is given back and taken again."""
        Flow = self.env["service.entitlement.flow"]
        lives = self._entitlement_live_consumptions(include_open=False)
        steps = []
        for doc in self:
            live = lives.get(doc.id)
            if (
                not live
                or live.waiver
                or live.entitlement_id.allocation_type != "hours"
            ):
                continue
            if not float_compare(
                live.quantity + live.overage_quantity,
                doc._entitlement_get_hours(),
                precision_digits=2,
            ):
                continue
            steps += Flow._retake_steps(doc, live, self.env._("Labour hours changed"))
        Flow._run(self, steps)
