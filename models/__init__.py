from . import res_partner
from . import service_entitlement
from . import service_entitlement_consumption
from . import service_entitlement_template
from . import service_fault_reason
from . import stock_lot
