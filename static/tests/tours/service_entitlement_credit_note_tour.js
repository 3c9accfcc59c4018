import { registry } from "@web/core/registry";

// The billing clerk credits a posted service contract invoice with Odoo's own
// Credit Note button: the draft credit note carries the invoice's amount.
registry.category("web_tour.tours").add("service_entitlement_credit_note_tour", {
    steps: () => [
        {
            trigger: "button[name=action_reverse]",
            run: "click",
        },
        {
            trigger: ".modal button[name=refund_moves]",
            run: "click",
        },
        {
            // The new credit note, a draft to confirm.
            trigger: ".o_form_view:has(button[name=action_post]) .o_field_widget[name=tax_totals]:contains('300.00')",
        },
    ],
});
