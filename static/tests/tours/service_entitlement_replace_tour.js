import { registry } from "@web/core/registry";

// The technician replaces the repaired unit by a new one whose serial number
// is typed in: it is created, and the repair names it.
registry.category("web_tour.tours").add("service_entitlement_replace_tour", {
    steps: () => [
        {
            trigger: "button[name=action_replace_unit]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=new_lot_name] input",
            run: "edit TOUR-NEW-01",
        },
        {
            trigger: ".modal button[name=action_replace]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=replacement_lot_id]:contains('TOUR-NEW-01')",
        },
    ],
});
