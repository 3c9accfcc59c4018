import { registry } from "@web/core/registry";

// The billing clerk invoices the overage waiting in Overages to Invoice, then
// runs the service contracts' invoicing.
registry.category("web_tour.tours").add("service_entitlement_billing_tour", {
    steps: () => [
        {
            // Lines to invoice, by customer.
            trigger: ".o_group_header:contains('Tour Customer')",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: "button[name=action_create_invoices]",
            run: "click",
        },
        {
            // The draft invoice of the overage.
            trigger: ".o_form_view:has(button[name=action_post]) .o_field_widget[name=partner_id] input:value(/Tour Customer/)",
        },
        {
            trigger: ".o_main_navbar .dropdown-toggle:contains('Billing')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('Invoice Service Contracts')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=due_count]:contains('1')",
        },
        {
            trigger: ".modal button[name=action_create_invoices]",
            run: "click",
        },
        {
            // The invoices made.
            trigger: ".o_list_view .o_data_row",
        },
    ],
});
