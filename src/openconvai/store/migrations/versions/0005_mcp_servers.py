"""MCP servers and the index of which agents use them.

No agent rows need indexing here: before this revision no MCP server existed, so no
agent's `mcp_server_ids` can name one.

Revision ID: 0005_mcp_servers
Revises: 0004_tools
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_mcp_servers"
down_revision: str | None = "0004_tools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mcp_servers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("approved_definitions", JSON, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_mcp_servers_workspace_created", "mcp_servers", ["workspace_id", "created_at_ms", "id"]
    )
    op.create_table(
        "agent_mcp_servers",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("mcp_server_id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_agent_mcp_servers_workspace_server",
        "agent_mcp_servers",
        ["workspace_id", "mcp_server_id"],
    )


def downgrade() -> None:
    for table in ("agent_mcp_servers", "mcp_servers"):
        op.drop_table(table)
