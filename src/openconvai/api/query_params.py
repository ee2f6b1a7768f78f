"""One value per query parameter, unless the route declares a list.

FastAPI keeps the last of `?archived=true&archived=false` silently; a client that repeats
a parameter by mistake should hear about it instead of getting an answer to half of it.
"""

from collections import Counter
from typing import Any, get_args, get_origin

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection


def single_query_values(request: HTTPConnection) -> None:
    """422 when a scalar query parameter is given more than once (HTTP routes only)."""
    if request.scope["type"] != "http":
        return
    counts = Counter(key for key, _ in request.query_params.multi_items())
    repeated = {key for key, count in counts.items() if count > 1}
    if not repeated:
        return
    route = request.scope.get("route")
    lists: set[str] = set()
    if isinstance(route, APIRoute):
        lists = {
            param.alias
            for param in route.dependant.query_params
            if _is_list(param.field_info.annotation)
        }
    errors = [
        {
            "type": "value_error",
            "loc": ("query", name),
            "msg": "Value error, give this parameter only once",
            "input": request.query_params.getlist(name),
        }
        for name in sorted(repeated - lists)
    ]
    if errors:
        raise RequestValidationError(errors)


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (list, tuple, set):
        return True
    return any(_is_list(argument) for argument in get_args(annotation))
