from . import controllers
from .hooks import uninstall_hook
from . import models
from . import report
from . import wizard
