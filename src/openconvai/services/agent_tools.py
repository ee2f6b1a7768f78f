"""The workspace tools an agent names in `prompt.tool_ids`: checked on save, loaded to run."""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.schemas.tool_config import TOOL_CONFIG_ADAPTER, ToolConfig
from openconvai.services.references import refuse_unknown
from openconvai.store import tools as tool_store

logger = logging.getLogger(__name__)


async def require_existing_tools(
    session: AsyncSession, workspace_id: str, conversation_config: dict[str, Any]
) -> None:
    """Refuse (400) a conversation config whose `tool_ids` name tools the workspace lacks.

    A tool of another workspace is refused with the same words as one that never existed.
    """
    wanted = tool_store.prompt_tool_ids(conversation_config)
    found = await tool_store.existing_tool_ids(session, workspace_id, wanted)
    refuse_unknown(wanted, found, status="tool_not_found", field="tool_ids", noun="tools")


async def tools_for_agent(
    session: AsyncSession, workspace_id: str, tool_ids: Sequence[str]
) -> list[ToolConfig]:
    """The validated configs of the workspace's tools named by `tool_ids`, in their order.

    Repeated ids count once. An id with no tool (only possible in a document saved before
    tools were checked) is skipped with a warning, so a stale reference never stops a call.
    """
    wanted = list(dict.fromkeys(tool_ids))
    rows = {row.id: row for row in await tool_store.get_tools(session, workspace_id, wanted)}
    configs: list[ToolConfig] = []
    for tool_id in wanted:
        row = rows.get(tool_id)
        if row is None:
            logger.warning("tool %s of workspace %s does not exist; skipped", tool_id, workspace_id)
            continue
        configs.append(TOOL_CONFIG_ADAPTER.validate_python(row.tool_config))
    return configs
