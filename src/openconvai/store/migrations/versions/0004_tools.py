"""Workspace tools and the index of which agents use them.

No agent rows need indexing here: before this revision no tool existed, so no agent's
`tool_ids` can name one.

Revision ID: 0004_tools
Revises: 0003
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_tools"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tools",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("tool_config", JSON, nullable=False),
        sa.Column("response_mocks", JSON, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_tools_workspace_created", "tools", ["workspace_id", "created_at_ms", "id"])
    op.create_index("ix_tools_workspace_name", "tools", ["workspace_id", "name", "id"])
    op.create_table(
        "agent_tools",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("tool_id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_agent_tools_workspace_tool", "agent_tools", ["workspace_id", "tool_id"])


def downgrade() -> None:
    for table in ("agent_tools", "tools"):
        op.drop_table(table)
