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
    """A tenant: owns keys, agents, secrets and settings."""

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
