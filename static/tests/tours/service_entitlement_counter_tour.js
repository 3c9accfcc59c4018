import { registry } from "@web/core/registry";

// At the counter: the service desk sees the customer's share of a covered
// repair (the wear part charged alone), grants goodwill with a reason, puts
// the repair on hold while a part is on its way, and resumes it.
registry.category("web_tour.tours").add("service_entitlement_counter_tour", {
    steps: () => [
        {
            trigger: ".o_data_row td:contains('Counter Customer')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=cost_parts_amount]:contains('55.00')",
        },
        {
            trigger: ".o_field_widget[name=cost_customer_amount]:contains('15.00')",
        },
        {
            trigger:
                ".o_field_widget[name=entitlement_explanation]:contains('Not covered: Cooling paste')",
        },
        {
            trigger: "button[name=action_entitlement_goodwill]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Loyal customer",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=entitlement_decision_reason]:contains('Loyal customer')",
        },
        {
            trigger: "button[name=action_sla_hold]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Screen ordered",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: "button[name=action_sla_resume]",
            run: "click",
        },
        {
            trigger: "button[name=action_sla_hold]",
        },
    ],
});
