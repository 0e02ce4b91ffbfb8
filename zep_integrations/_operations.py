"""Every v3 and v4 operation, by version: for error messages and for the test that shows gaps.

v2 operations are the endpoint methods on the clients themselves (``client.add_memory``, ...).
"""

from __future__ import annotations

from zep_integrations import _api_v3, _api_v3_graph, _api_v4, _api_v4_graph

OPERATIONS: dict[str, tuple[str, ...]] = {
    "v2": (),
    "v3": tuple(sorted(_api_v3.OPERATIONS + _api_v3_graph.OPERATIONS)),
    "v4": tuple(sorted(_api_v4.OPERATIONS + _api_v4_graph.OPERATIONS)),
}
