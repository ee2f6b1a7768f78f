"""Initial schema: workspaces, API keys, agents and their tags, secrets.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _workspace_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("convai_settings", JSON, nullable=False),
        sa.Column("dashboard_settings", JSON, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hint", sa.String(32), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at_ms", sa.BigInteger(), nullable=True),
        _workspace_fk(),
    )
    op.create_index("ix_api_keys_workspace_id", "api_keys", ["workspace_id"])
    op.create_table(
        "agents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("conversation_config", JSON, nullable=False),
        sa.Column("platform_settings", JSON, nullable=False),
        sa.Column("workflow", JSON, nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_call_time_unix_secs", sa.BigInteger(), nullable=True),
        _workspace_fk(),
    )
    op.create_index(
        "ix_agents_workspace_created", "agents", ["workspace_id", "created_at_ms", "id"]
    )
    op.create_index("ix_agents_workspace_name", "agents", ["workspace_id", "name", "id"])
    op.create_table(
        "agent_tags",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("tag", sa.String(256), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_agent_tags_workspace_tag", "agent_tags", ["workspace_id", "tag"])
    op.create_table(
        "secrets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        _workspace_fk(),
    )
    op.create_index("ix_secrets_workspace_name", "secrets", ["workspace_id", "name"], unique=True)


def downgrade() -> None:
    for table in ("secrets", "agent_tags", "agents", "api_keys", "workspaces"):
        op.drop_table(table)
