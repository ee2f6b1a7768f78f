"""What a call's result becomes: content parts for the client, text for the LLM."""

import json
from typing import Any

import mcp_types

# What the LLM sees of a result at most (the whole one still goes to the client).
RESULT_LIMIT_CHARS = 16_000


def result_parts(result: mcp_types.CallToolResult) -> tuple[dict[str, Any], ...]:
    """The result's content parts as JSON objects (what `mcp_tool_call` carries)."""
    return tuple(
        part.model_dump(mode="json", by_alias=True, exclude_none=True) for part in result.content
    )


def result_text(result: mcp_types.CallToolResult) -> str:
    """What the LLM reads of a result: its text, a note for each other part."""
    texts: list[str] = []
    for part in result.content:
        if isinstance(part, mcp_types.TextContent):
            texts.append(part.text)
        elif isinstance(part, mcp_types.ImageContent | mcp_types.AudioContent):
            texts.append(f"[{part.type} {part.mime_type}]")
        elif isinstance(part, mcp_types.ResourceLink):
            texts.append(f"[resource {part.uri}]")
        elif isinstance(part.resource, mcp_types.TextResourceContents):
            texts.append(part.resource.text)
        else:
            texts.append(f"[resource {part.resource.uri}]")
    if not texts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False)
    return "\n".join(texts)


def cut(text: str) -> str:
    """At most `RESULT_LIMIT_CHARS` of `text`, marked when cut."""
    if len(text) <= RESULT_LIMIT_CHARS:
        return text
    return text[:RESULT_LIMIT_CHARS] + " [truncated]"
