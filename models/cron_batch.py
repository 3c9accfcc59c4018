"""Scheduled jobs over many records, a batch at a time.

Odoo 18's scheduled jobs commit what one run did and run again at once when
the run says work remains (``ir.cron._notify_progress``). A job of the add-on
hands its records to :func:`in_batches`: in a scheduled run it handles one
batch, which Odoo commits, and reports what remains; called from elsewhere (a
button, a script, a test) it handles every batch in the caller's
transaction.  Either way what was handled no longer matches the job's domain,
so a job stopped midway goes on where it was.
"""

BATCH_SIZE = 500


def in_batches(model, domain, handle, size=None):
    """Call ``handle(records)`` on what ``domain`` finds on ``model``, in
    batches of ``size`` by id; ``handle`` makes them leave the domain.
    Returns the records handled."""
    size = size or BATCH_SIZE
    scheduled = bool(model.env.context.get("ir_cron_progress_id"))
    handled, seen = [], set()
    while True:
        batch = model.search(domain, order="id", limit=size)
        if not batch:
            break
        if not seen.isdisjoint(batch.ids):
            raise RuntimeError(f"{handle.__qualname__} left records in its domain")
        seen.update(batch.ids)
        handled += batch.ids
        handle(batch)
        if scheduled:
            model.env["ir.cron"]._notify_progress(
                done=len(batch), remaining=model.search_count(domain)
            )
            break
        # What the batch read is not needed any more.
        model.env.invalidate_all(flush=True)
    return model.browse(handled)
