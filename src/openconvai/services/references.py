"""Refusing an agent config that names workspace objects (tools, MCP servers) that are not there."""

from collections.abc import Collection, Sequence

from openconvai.services.errors import BadRequest


def refuse_unknown(
    wanted: Sequence[str], found: Collection[str], *, status: str, field: str, noun: str
) -> None:
    """400 naming every id of `wanted` not in `found`, the same words for an id of another
    workspace as for one that never existed."""
    missing = [item for item in wanted if item not in found]
    if missing:
        raise BadRequest(
            status,
            f"conversation_config.agent.prompt.{field} names {noun} that do not exist in "
            "this workspace: " + ", ".join(missing),
        )
