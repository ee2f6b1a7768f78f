"""The store's tables. Every row a user owns carries `workspace_id`."""

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType}


class Workspace(Base):
    """A tenant: owns keys, agents, tools, secrets and settings."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    convai_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dashboard_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ApiKey(Base):
    """An API key of one workspace, stored as its SHA-256 digest only."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(256))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(32))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    revoked_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Agent(Base):
    """An agent: its full, defaults-filled configuration as JSON documents."""

    __tablename__ = "agents"
    __table_args__ = (
        Index("ix_agents_workspace_created", "workspace_id", "created_at_ms", "id"),
        Index("ix_agents_workspace_name", "workspace_id", "name", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    conversation_config: Mapped[dict[str, Any]]
    platform_settings: Mapped[dict[str, Any]]
    workflow: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)
    last_call_time_unix_secs: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AgentTag(Base):
    """One tag of one agent: a row each, so tag filters are plain SQL on every database."""

    __tablename__ = "agent_tags"
    __table_args__ = (Index("ix_agent_tags_workspace_tag", "workspace_id", "tag"),)

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(256), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))


class Secret(Base):
    """A workspace secret: the value is Fernet ciphertext, never plaintext."""

    __tablename__ = "secrets"
    __table_args__ = (Index("ix_secrets_workspace_name", "workspace_id", "name", unique=True),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    ciphertext: Mapped[str] = mapped_column(Text)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class Tool(Base):
    """A workspace tool: its validated, defaults-filled `tool_config` as a JSON document."""

    __tablename__ = "tools"
    __table_args__ = (
        Index("ix_tools_workspace_created", "workspace_id", "created_at_ms", "id"),
        Index("ix_tools_workspace_name", "workspace_id", "name", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # Copies of `tool_config.name` and `.type`, for search, sorting and the type filter.
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    tool_config: Mapped[dict[str, Any]]
    response_mocks: Mapped[list[Any] | None] = mapped_column(nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class AgentTool(Base):
    """One id of an agent's `prompt.tool_ids`: which agents use a tool, in plain SQL.

    The agent's document stays the truth; these rows are rewritten whenever it is saved.
    `tool_id` is no foreign key: deleting a tool checks these rows instead.
    """

    __tablename__ = "agent_tools"
    __table_args__ = (Index("ix_agent_tools_workspace_tool", "workspace_id", "tool_id"),)

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    tool_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))


class McpServer(Base):
    """An MCP server of the workspace: its validated `config` as a JSON document."""

    __tablename__ = "mcp_servers"
    __table_args__ = (
        Index("ix_mcp_servers_workspace_created", "workspace_id", "created_at_ms", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    config: Mapped[dict[str, Any]]
    # Tool name -> {"description", "input_schema"} as approved through `tool-approvals`,
    # shown beside a tool that changed since (`approved_definition`).
    approved_definitions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class AgentMcpServer(Base):
    """One id of an agent's `prompt.mcp_server_ids`: which agents use a server, in plain SQL.

    Rewritten with the agent's document, as `AgentTool` is; `mcp_server_id` is no foreign
    key: deleting a server checks these rows instead.
    """

    __tablename__ = "agent_mcp_servers"
    __table_args__ = (
        Index("ix_agent_mcp_servers_workspace_server", "workspace_id", "mcp_server_id"),
    )

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    mcp_server_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))


class Conversation(Base):
    """One conversation with an agent: how it started, its state and how it ended.

    `agent_id` is no foreign key: a conversation's history outlives the agent it was with.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_workspace_created", "workspace_id", "created_at_ms", "id"),
        Index("ix_conversations_workspace_agent", "workspace_id", "agent_id", "created_at_ms"),
        Index("ix_conversations_status_node", "status", "node_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_time_unix_secs: Mapped[int] = mapped_column(BigInteger)
    accepted_time_unix_secs: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    call_duration_secs: Mapped[int] = mapped_column(default=0)
    termination_reason: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    dynamic_variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    initiation_client_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Metadata the start of a call fixes (authorization method, initiation source, text only,
    # language, timezone...): stored as given, laid over the defaults when served.
    metadata_extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    has_user_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    has_response_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    feedback_likes: Mapped[int] = mapped_column(default=0)
    feedback_dislikes: Mapped[int] = mapped_column(default=0)
    feedback_score: Mapped[str | None] = mapped_column(String(16), nullable=True)
    feedback_rating: Mapped[int | None] = mapped_column(nullable=True)
    feedback_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Ratings of responses not yet in the transcript (the writer trails the live call):
    # event id (as text) -> score, attached when that response is written.
    pending_feedback: Mapped[dict[str, Any]] = mapped_column(default=dict)
    call_successful: Mapped[str | None] = mapped_column(String(16), nullable=True)
    transcript_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    call_summary_title: Mapped[str | None] = mapped_column(Text, nullable=True)
    # LLM tokens by category (`initiated_generation`: every call; `irreversible_generation`:
    # those that led to agent entries), each model -> {"input", "output"}; priced when read.
    llm_usage: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)
    # The server process running it live; lets a restarted node fail what it left behind.
    node_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class ConversationMessage(Base):
    """One transcript entry of a conversation, numbered in order by `seq` from 0."""

    __tablename__ = "conversation_messages"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    original_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False)
    time_in_call_secs: Mapped[int]
    source_medium: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tool_calls: Mapped[list[Any]] = mapped_column(default=list)
    tool_results: Mapped[list[Any]] = mapped_column(default=list)
    feedback: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # The WebSocket event id of the agent response, which per-response feedback names.
    event_id: Mapped[int | None] = mapped_column(nullable=True)
    # The agent that said it (None for user entries and entries before transfers existed).
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # LLM tokens that produced this agent entry: model -> {"input", "output"}.
    llm_usage: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
