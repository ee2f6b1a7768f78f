"""The agent that said each transcript entry (a conversation can be transferred).

Revision ID: 0006_transcript_agent
Revises: 0005_mcp_servers
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_transcript_agent"
down_revision: str | None = "0005_mcp_servers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_messages") as batch:
        batch.add_column(sa.Column("agent_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_messages") as batch:
        batch.drop_column("agent_id")
