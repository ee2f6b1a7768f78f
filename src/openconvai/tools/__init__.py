"""Tools the agent calls: one module per kind, behind one dispatcher.

`registry.ToolRegistry` is the conversation core's `ToolDispatcher`: it picks the runner
registered for the tool's contract type (`client`, `system`, `webhook`, later `mcp`) and
turns whatever goes wrong into an error outcome the LLM sees. Adding a kind of tool is one
module with a `ToolRunner` and one line in `default_registry()`.
"""
