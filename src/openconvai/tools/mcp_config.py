"""What the MCP runtime knows of a server and of each tool it offers: plain data, no SDK.

Services build an `McpServerSpec` from a stored `/v1/convai/mcp-servers` config;
`tools.mcp.discover` connects with it and puts an `McpToolBinding` into each `AgentTool`
it offers. Nothing here imports `mcp`, so services can use it without the `mcp` extra.
"""

import hashlib
import json
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

McpTransport: TypeAlias = Literal["SSE", "STREAMABLE_HTTP"]
ApprovalPolicy: TypeAlias = Literal[
    "auto_approve_all", "require_approval_all", "require_approval_per_tool"
]
ToolApprovalPolicy: TypeAlias = Literal["auto_approved", "requires_approval"]
ApprovalState: TypeAlias = Literal["up_to_date", "needs_review", "not_approved"]

DEFAULT_RESPONSE_TIMEOUT_SECS = 20.0
# How long a call waits for the client's `mcp_tool_approval_result` (the contract names none).
DEFAULT_APPROVAL_TIMEOUT_SECS = 30.0

# What an LLM function name may be (the contract's tool-name pattern).
_NAME_LIMIT = 64
_NOT_IN_NAME = re.compile(r"[^a-zA-Z0-9_-]")


@dataclass(frozen=True)
class SecretRef:
    """A workspace secret, resolved when connecting."""

    secret_id: str


@dataclass(frozen=True)
class VariableRef:
    """A dynamic variable of the conversation."""

    name: str


@dataclass(frozen=True)
class EnvRef:
    """An environment variable of the server process."""

    label: str


HeaderValue: TypeAlias = str | SecretRef | VariableRef | EnvRef


@dataclass(frozen=True)
class ToolApproval:
    """A stored per-tool approval: the definition's hash when approved, and the policy."""

    tool_hash: str
    policy: ToolApprovalPolicy = "requires_approval"


@dataclass(frozen=True)
class McpServerSpec:
    """One MCP server of an agent, as the runtime connects to it."""

    id: str
    name: str
    url: str | SecretRef
    transport: McpTransport
    # Sent as the `Authorization` header's value, as stored (include any "Bearer ").
    secret_token: SecretRef | None = None
    request_headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    approval_policy: ApprovalPolicy = "require_approval_all"
    # By MCP tool name; used by `require_approval_per_tool`.
    tool_approvals: Mapping[str, ToolApproval] = field(default_factory=dict)
    response_timeout_secs: float = DEFAULT_RESPONSE_TIMEOUT_SECS
    approval_timeout_secs: float = DEFAULT_APPROVAL_TIMEOUT_SECS
    disable_interruptions: bool = False
    force_pre_tool_speech: bool = False


@dataclass(frozen=True)
class McpToolBinding:
    """`AgentTool.config` of an MCP tool: which server and tool to call, and how."""

    server_id: str
    server_name: str
    tool_name: str  # the MCP tool's own name (the LLM may know it under a prefixed one)
    tool_description: str
    input_schema: Mapping[str, Any]
    approval_policy: ApprovalPolicy
    requires_approval: bool
    approval_timeout_secs: float


def tool_hash(description: str | None, input_schema: Mapping[str, Any] | None) -> str:
    """SHA-256 of a tool's description and input schema, as canonical JSON.

    A stored approval holds it; a live tool whose hash differs has changed since.
    """
    canonical = json.dumps(
        {"description": description or "", "input_schema": dict(input_schema or {})},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def approval_state(approval: ToolApproval | None, live_hash: str) -> ApprovalState:
    """Whether a stored approval exists and still matches the live tool."""
    if approval is None:
        return "not_approved"
    return "up_to_date" if approval.tool_hash == live_hash else "needs_review"


def needs_approval(server: McpServerSpec, tool_name: str, live_hash: str) -> bool:
    """Whether a call of the tool waits for the client's approval.

    Per tool, only an up-to-date `auto_approved` approval runs without asking: a tool
    never approved, or changed since its approval, is asked about.
    """
    if server.approval_policy == "auto_approve_all":
        return False
    if server.approval_policy == "require_approval_all":
        return True
    approval = server.tool_approvals.get(tool_name)
    up_to_date = approval_state(approval, live_hash) == "up_to_date"
    return not (up_to_date and approval is not None and approval.policy == "auto_approved")


def llm_tool_names(offered: Sequence[tuple[str, str]], reserved: Collection[str] = ()) -> list[str]:
    """The function names the LLM sees for `(server name, tool name)` pairs, in order.

    A tool keeps its name (made LLM-safe) unless another tool, or a `reserved` name (the
    agent's other tools), has it too: then it is prefixed with its server's name. A clash
    that remains gets a number, so every tool stays callable.
    """
    plain = [_safe(tool) for _, tool in offered]
    counts = Counter(name.lower() for name in plain)
    taken = {name.lower() for name in reserved}
    names: list[str] = []
    for (server, _), name in zip(offered, plain, strict=True):
        if counts[name.lower()] > 1 or name.lower() in taken:
            name = _safe(f"{server}__{name}")
        unique, number = name, 2
        while unique.lower() in taken:
            suffix = f"_{number}"
            unique = name[: _NAME_LIMIT - len(suffix)] + suffix
            number += 1
        taken.add(unique.lower())
        names.append(unique)
    return names


def _safe(name: str) -> str:
    cleaned = _NOT_IN_NAME.sub("_", name)[:_NAME_LIMIT]
    return cleaned or "tool"
