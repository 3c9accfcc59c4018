from . import service_entitlement_override_wizard
from . import service_entitlement_goodwill_wizard
from . import service_lot_transfer_wizard
from . import repair_order_hold_wizard
from . import service_entitlement_price_update_wizard
from . import service_entitlement_contract_invoice_wizard
from . import service_entitlement_accept_wizard
from . import service_entitlement_planned_wizard
