"""Checks of the URLs a workspace supplies, when it saves them (the guard checks again on use)."""

import re

from openconvai.security.outbound import OutboundGuard, OutboundUrlRefused
from openconvai.services.errors import BadRequest

# `{path}` parameters and `{{variables}}` are filled at call time.
_PLACEHOLDER = re.compile(r"\{\{?[^{}]*\}?\}")


def require_allowed_url(guard: OutboundGuard, url: str, field: str) -> None:
    """Refuse (400) a URL the outbound guard would never call: a bad scheme, user info, a
    private or loopback address written literally.

    Host names are not resolved here (a name may resolve differently at call time, when
    the guard resolves and checks it again); a host filled by a placeholder is checked then.
    """
    host_part = url.split("://", 1)[-1].split("/", 1)[0]
    probe = url if "{" not in host_part else url.replace(host_part, "placeholder.invalid", 1)
    try:
        guard.check_url_without_dns(_PLACEHOLDER.sub("x", probe))
    except OutboundUrlRefused as refused:
        raise BadRequest("url_not_allowed", f"{field}: {refused}") from refused
