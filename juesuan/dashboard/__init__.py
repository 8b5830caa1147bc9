"""The dashboard: the published warehouse in a browser, every figure traced to the page it was printed on.

`data` holds the plain-Python reading side (one read-only connection per session, parameterised queries, page
images); `web` (Starlette + Jinja2, server-rendered, filters in the URL) and `pages` are the user interface on
top of it; `launch` starts the server on 127.0.0.1. Nothing here writes to the warehouse.
"""

from juesuan.dashboard.data import WarehouseReader

__all__ = ["WarehouseReader"]
