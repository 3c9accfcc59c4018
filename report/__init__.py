from . import service_entitlement_profit_report
from . import repair_rating_report
