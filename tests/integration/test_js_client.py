"""The official JS client (`@elevenlabs/client`, run by Node) holds a text conversation.

`tests/js/text_conversation.mjs` talks to a real server process over the conversation
WebSocket; this test starts the server, makes an agent, runs the script and checks both what
the client saw and what the server stored. Without `node`/`npm` it skips, or fails under CI.
"""

import asyncio
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN_KEY
from tests.support.live_server import LiveServer, finished_conversation, live_server

JS_DIR = Path(__file__).resolve().parents[1] / "js"
SCRIPT = JS_DIR / "text_conversation.mjs"
# Inside node_modules (ignored by git, and wiped by `npm ci` along with what it describes).
INSTALL_STAMP = JS_DIR / "node_modules" / ".openconvai-install-stamp"
SCRIPTED = {"OPENCONVAI_SCRIPTED_PROVIDERS": "true"}
USER_TEXT = "hello from js"
REPLY = f"You said: {USER_TEXT}"


def node_tools() -> tuple[str, str]:
    """Paths of `node` and `npm`; without them skip, or fail when running under CI."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        reason = f"{missing} not found on PATH: the JS client test needs Node.js and npm"
        missing(reason)
    return node, npm


def install_digest() -> str:
    """What the installed node_modules must have been made from."""
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((JS_DIR / name).read_bytes())
    return digest.hexdigest()


def ensure_node_modules(npm: str) -> None:
    """`npm ci` in tests/js unless node_modules already matches the lock file."""
    wanted = install_digest()
    if INSTALL_STAMP.is_file() and INSTALL_STAMP.read_text().strip() == wanted:
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"npm ci failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    INSTALL_STAMP.write_text(wanted + "\n")


def create_agent(http: httpx.Client, server: LiveServer) -> str:
    response = http.post(
        f"{server.base_url}/v1/convai/agents/create",
        json={"conversation_config": {}},
        headers={"xi-api-key": ADMIN_KEY},
    )
    assert response.status_code == 200, response.text
    agent_id = response.json()["agent_id"]
    assert isinstance(agent_id, str)
    return agent_id


def run_client(node: str, server: LiveServer, agent_id: str) -> dict[str, Any]:
    """Run the JS conversation script; its one JSON line of what it saw."""
    origin = server.base_url.replace("http://", "ws://", 1)
    done = subprocess.run(
        [node, str(SCRIPT), "--agent-id", agent_id, "--origin", origin, "--text", USER_TEXT],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"JS client exited {done.returncode}\n--- stderr\n{done.stderr}\n"
            f"--- stdout\n{done.stdout}\n--- server log\n{server.log_path.read_text()}"
        )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"JS client printed nothing; stderr:\n{done.stderr}"
    seen: dict[str, Any] = json.loads(lines[-1])
    return seen


async def test_js_client_text_conversation(tmp_path: Path) -> None:
    node, npm = node_tools()
    database_url = f"sqlite+aiosqlite:///{tmp_path}/js.db"

    def scenario() -> None:
        ensure_node_modules(npm)
        with (
            live_server(tmp_path / "data", database_url, ADMIN_KEY, SCRIPTED) as server,
            httpx.Client(timeout=30) as http,
        ):
            agent_id = create_agent(http, server)
            seen = run_client(node, server, agent_id)

            conversation_id = seen["conversation_id"]
            assert re.fullmatch(r"conv_[A-Za-z0-9]+", conversation_id), seen
            assert seen["connected_conversation_id"] == conversation_id
            assert seen["errors"] == [], seen
            agent_messages = [m["message"] for m in seen["messages"] if m["source"] == "ai"]
            assert agent_messages == [REPLY], seen
            assert seen["disconnect"] == {"reason": "user"}, seen

            record = finished_conversation(server, conversation_id)
            lines = [(turn["role"], turn["message"]) for turn in record["transcript"]]
            assert lines == [("user", USER_TEXT), ("agent", REPLY)]

    await asyncio.to_thread(scenario)
