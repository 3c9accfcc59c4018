import { registry } from "@web/core/registry";

// The service desk completes a draft warranty claim (the part that failed,
// a note for the vendor) and sends it to the vendor by email.
registry.category("web_tour.tours").add("service_entitlement_claim_send_tour", {
    steps: () => [
        {
            trigger: ".o_form_view button:contains('Complete…')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=causal_product_id] input",
            run: "edit Tour Fan",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Fan')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit The fan stopped; the SSD overheated.",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.modal)) .o_field_widget[name=causal_product_id]:contains('Tour Fan')",
        },
        {
            trigger: ".o_form_view button[name=action_send]",
            run: "click",
        },
        {
            // Odoo's composer, the claim's template filled in.
            trigger: ".modal .o_mail_composer_form_view .o_field_widget[name=subject] input:value(/.+/)",
        },
        {
            trigger: ".modal .btn.o_mail_send:enabled",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sent')",
        },
    ],
});

// The billing clerk records the vendor's answer (accepted for 50.00) and
// the vendor's credit note, which the claim then shows.
registry.category("web_tour.tours").add("service_entitlement_claim_credit_tour", {
    steps: () => [
        {
            trigger: ".o_form_view button:contains(\"Vendor's Answer\")",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 50",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.modal)) button[name=action_credit_note]",
            run: "click",
        },
        {
            // The vendor's credit note, a draft with what is owed.
            trigger: ".o_form_view .o_field_widget[name=ref] input",
            run: "edit TOUR-CN-1",
        },
        {
            // The day of the vendor's credit note (the suite's frozen day).
            trigger: ".o_form_view .o_field_widget[name=invoice_date] input",
            run: "edit 11/16/2026",
        },
        {
            trigger: ".o_form_view button[name=action_post]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
    ],
});
