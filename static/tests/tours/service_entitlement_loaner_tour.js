import { registry } from "@web/core/registry";

// The service desk lends a loaner to the customer whose unit is in repair,
// then receives it back.
registry.category("web_tour.tours").add("service_entitlement_loaner_tour", {
    steps: () => [
        {
            trigger: "button[name=action_loaner_lend]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=lot_id] input",
            run: "edit TOUR-LOAN",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('TOUR-LOAN')",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_lend]",
            run: "click",
        },
        {
            trigger: "button[name=action_loaner_receive]",
            run: "click",
        },
        {
            // Its confirmation: the loaner is back.
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(button[name=action_loaner_receive])) button[name=action_loaner_lend]",
        },
    ],
});
