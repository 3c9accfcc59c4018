"""The entitlement flow: from a document's facts to the ledger and billing.

From the repair's Confirm button to its billing line::

    repair.order.action_validate -> _action_repair_confirm   models/repair_order.py
      -> _state_action: Odoo's action moves the state, then
      -> service.entitlement.flow._moved                       (this file)
           _plan_sync  the steps, as plain values (Need, Step): the documents
                       are read once and checked before anything is written
           _run        the ledger gives back and takes         ..._consumption.py
                       (_reverse, _consume; the reservation locks the terms)
                       billing reacts once, to all the rows    ..._billing_line.py
                       each document is written once (cycle, warning flag)
                       and told what happened (messages)

The ledger never calls back into the document: everything it needs is in the
:class:`Need`; billing is called here, not from inside the ledger's insert.
"""

from typing import NamedTuple

from odoo import api, models

from .ledger_guard import ledger_writer


class Need(NamedTuple):
    """What one document takes from one entitlement, as plain values."""

    res_model: str
    res_id: int
    name: str
    cycle: int
    entitlement_id: int
    channel: str
    quantity: float
    # Covered without using the terms: {"waiver", "note", "user_id"}, or None.
    waiver: dict = None
    # An entitlement manager's decision to go beyond a block:
    # {"bill", "reason", "user_name"}, or None.
    override: dict = None


class Step(NamedTuple):
    """``take`` (with its :class:`Need`) or ``release`` (of the live row
    ``live_id``, with the ledger's note and the document's message)."""

    kind: str
    res_id: int
    need: Need = None
    live_id: int = 0
    note: str = False
    message: str = False


class ServiceEntitlementFlow(models.AbstractModel):
    _name = "service.entitlement.flow"
    _description = "Entitlement Flow"

    @api.model
    @api.model
    def _moved(self, docs, before):
        """The documents' action moved their state from the stages
        ``before`` (``_entitlement_stages()``): each whose consumption
        became due or undue takes or gives back its terms (and one that
        became open looks for its best entitlement again)."""
        docs = docs._service_using("entitlements").filtered(
            lambda d: d._entitlement_stage_moves(before[d.id])
        )
        if not docs:
            return []
        # A document that was open holds no consumption (it gave it back on
        # the way): no need to ask the ledger.
        was_open = docs.filtered(lambda d: before[d.id][0])
        lives = (docs - was_open)._entitlement_live_consumptions()
        docs._entitlement_rematch(lives)
        return self._run(docs, self._plan_sync(docs, lives))

    def _sync(self, docs, lives):
        """Bring each document's consumption in line with what it is now
        (``lives``: their live rows): what the documents' write calls."""
        return self._run(docs, self._plan_sync(docs, lives))

    # ------------------------------------------------------------------
    # Plans
    # ------------------------------------------------------------------

    @api.model
    def _plan_sync(self, docs, lives):
        """The steps that bring each document's consumption in line with what
        it is now: one live consumption when its entitlement consumes on a
        trigger the document has passed and does not exclude it, none
        otherwise; a live row that no longer says how the document is covered
        (goodwill, re-repair) is replaced."""
        steps = []
        for doc in docs:
            entitlement = doc._entitlement_terms()
            excluded = bool(entitlement) and doc._entitlement_excludes(entitlement)
            live = lives.get(doc.id)
            # A suspension stops a new consumption, not one already made.
            due = (
                bool(entitlement)
                and not excluded
                and entitlement.consume_on in doc._entitlement_triggers_passed()
                and (live or not doc._entitlement_suspended(entitlement))
            )
            if live and (not due or live.entitlement_id != entitlement):
                steps.append(self._release_step(doc, live, excluded=excluded))
            elif live and live.waiver != doc._entitlement_waiver_code(live):
                steps += self._retake_steps(doc, live, self.env._("Covered otherwise"))
            elif not live and due:
                steps.append(self._take_step(doc))
        return steps

    @api.model
    def _plan_take(self, docs, lives):
        """Take for each document with an entitlement and no live row."""
        return [
            self._take_step(doc)
            for doc in docs
            if doc.entitlement_id and doc.id not in lives
        ]

    @api.model
    def _plan_release(self, docs, lives, note=False):
        return [
            self._release_step(doc, lives[doc.id], note=note)
            for doc in docs
            if doc.id in lives
        ]

    @api.model
    def _take_step(self, doc, cycle=None):
        entitlement = doc._entitlement_terms()
        doc._entitlement_check_usable(entitlement)
        return Step("take", doc.id, need=doc._entitlement_need(entitlement, cycle))

    @api.model
    def _release_step(self, doc, live, note=None, excluded=False):
        """Give ``live`` back; ``note`` None: the document's release note."""
        message = False
        if excluded:
            reason = doc._entitlement_get_fault_reason()
            note = self.env._("Fault reason %(reason)s is excluded", reason=reason.name)
            message = self.env._(
                "Not covered: %(entitlement)s excludes %(reason)s; its "
                "consumption was reversed.",
                entitlement=doc._entitlement_terms().display_name,
                reason=reason.name,
            )
        elif note is None:
            note = doc._entitlement_release_note()
        return Step("release", doc.id, live_id=live.id, note=note, message=message)

    @api.model
    def _retake_steps(self, doc, live, note):
        """Give the live row back and take again, in the next cycle."""
        return [
            self._release_step(doc, live, note=note),
            self._take_step(doc, cycle=doc.entitlement_cycle + 1),
        ]

    # ------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------

    @api.model
    def _run(self, docs, steps):
        """Execute ``steps`` for ``docs``: the ledger, billing, then the
        documents.  Returns the ledger rows written."""
        # sudo: the ledger is the flow's; whoever's action moves the document writes it
        Ledger = self.env["service.entitlement.consumption"].sudo()
        if not steps:
            return Ledger
        releases = [step for step in steps if step.kind == "release"]
        takes = sorted(
            (step for step in steps if step.kind == "take"),
            key=lambda step: step.need.entitlement_id,
        )
        rows = Ledger
        by_note = {}
        for step in releases:
            by_note.setdefault(step.note, []).append(step.live_id)
        for note, live_ids in by_note.items():
            rows |= Ledger._reverse(Ledger.browse(live_ids), note=note)
        taken = {step.res_id: Ledger._consume(step.need) for step in takes}
        for row in taken.values():
            rows |= row
        with ledger_writer():
            self.env["service.entitlement.billing.line"]._sync_from_ledger(rows)
        self._tell_documents(docs, releases, taken)
        return rows

    @api.model
    def _tell_documents(self, docs, releases, taken):
        """Each document written once (its next cycle after a release, its
        warning flag when it went beyond the terms unbilled) and told what
        happened."""
        released = {step.res_id: step for step in releases}
        for doc in docs.filtered(lambda d: d.id in released or d.id in taken):
            vals = {}
            if doc.id in released:
                vals["entitlement_cycle"] = doc.entitlement_cycle + 1
            row = taken.get(doc.id)
            if row and row._is_beyond_terms() and not doc.entitlement_warning:
                vals["entitlement_warning"] = True
            if vals:
                doc._entitlement_write_technical(vals)
            if not hasattr(doc, "message_post"):
                continue
            step = released.get(doc.id)
            if step and step.message:
                doc.message_post(body=step.message)
            if row and row.overage_quantity > 0:
                doc.message_post(body=row._overage_message(doc.display_name))
        docs._entitlement_invalidate()
