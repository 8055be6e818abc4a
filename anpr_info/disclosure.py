"""The ANPR statistics use the site's one disclosure-control engine (talklondon.disclosure).

Kept as a module so that `from anpr_info import disclosure` keeps working; every rule lives in
talklondon/disclosure/.
"""

from talklondon.disclosure import *  # noqa: F403
from talklondon.disclosure import __all__  # noqa: F401
