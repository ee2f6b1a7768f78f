"""Conversations and their transcripts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("start_time_unix_secs", sa.BigInteger(), nullable=False),
        sa.Column("accepted_time_unix_secs", sa.BigInteger(), nullable=True),
        sa.Column("call_duration_secs", sa.Integer(), nullable=False),
        sa.Column("termination_reason", sa.Text(), nullable=False),
        sa.Column("error", JSON, nullable=True),
        sa.Column("dynamic_variables", JSON, nullable=False),
        sa.Column("initiation_client_data", JSON, nullable=False),
        sa.Column("metadata_extras", JSON, nullable=False),
        sa.Column("has_audio", sa.Boolean(), nullable=False),
        sa.Column("has_user_audio", sa.Boolean(), nullable=False),
        sa.Column("has_response_audio", sa.Boolean(), nullable=False),
        sa.Column("recording_path", sa.String(1024), nullable=True),
        sa.Column("feedback_likes", sa.Integer(), nullable=False),
        sa.Column("feedback_dislikes", sa.Integer(), nullable=False),
        sa.Column("feedback_score", sa.String(16), nullable=True),
        sa.Column("feedback_rating", sa.Integer(), nullable=True),
        sa.Column("feedback_comment", sa.Text(), nullable=True),
        sa.Column("pending_feedback", JSON, nullable=False),
        sa.Column("call_successful", sa.String(16), nullable=True),
        sa.Column("transcript_summary", sa.Text(), nullable=True),
        sa.Column("call_summary_title", sa.Text(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("node_id", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_conversations_workspace_created",
        "conversations",
        ["workspace_id", "created_at_ms", "id"],
    )
    op.create_index(
        "ix_conversations_workspace_agent",
        "conversations",
        ["workspace_id", "agent_id", "created_at_ms"],
    )
    op.create_index("ix_conversations_status_node", "conversations", ["status", "node_id"])
    op.create_table(
        "conversation_messages",
        sa.Column("conversation_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("original_message", sa.Text(), nullable=True),
        sa.Column("interrupted", sa.Boolean(), nullable=False),
        sa.Column("time_in_call_secs", sa.Integer(), nullable=False),
        sa.Column("source_medium", sa.String(16), nullable=True),
        sa.Column("tool_calls", JSON, nullable=False),
        sa.Column("tool_results", JSON, nullable=False),
        sa.Column("feedback", JSON, nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    for table in ("conversation_messages", "conversations"):
        op.drop_table(table)
