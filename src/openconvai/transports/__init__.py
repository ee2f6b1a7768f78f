"""Transports: the wires a conversation runs over, each a thin codec around one lifecycle.

How to add a transport (Twilio media streams, SIP/RTP, AudioHook, a simulated user, ...):

1. Make a folder `transports/<name>/` with a pure `wire.py`: decode the wire's messages
   into typed inputs, encode core events into the wire's messages, map each `EndReason`
   to the wire's way of hanging up. No socket, no state beyond a codec's; unit-test it.
2. Add a thin `socket.py` (or `server.py`): accept the connection, read what the opening
   says into a `runner.StartRequest` (agent, credentials, the client's initiation data,
   a fixed `input_format`/`output_format` if the wire has one, caller and called
   numbers), then call `runner.run_conversation(deps, request, channel)`, where the
   channel is an object with three methods:
   - `deliver(event)`: encode and send a core event. Agent audio arrives as 16 kHz-or-TTS-
     rate PCM (`AgentAudio.audio`, `.sample_rate`); encode it with `audio.codec.
     OutputEncoder` for the wire's format, and start a fresh encoder when `event_id`
     changes. `ConversationEnded` means hang up.
   - `refuse(refusal)`: tell the peer why it cannot start, then close.
   - `serve(session)`: until the peer leaves or `session.ended`, decode input and call
     `session.push_audio(pcm16k)`, `user_text`, `client_tool_result`, ... Keep-alives
     (pings, marks) are the transport's, not the core's.
   The runner admits, builds, registers, runs, ends and stores the conversation; never
   copy that lifecycle. `tests/transports/memory_transport.py` is a whole transport in
   under 100 lines.

How to add a kind of tool (webhook, MCP, ...): write `tools/<kind>.py` with a class whose
`async run(call, tool, context) -> ToolOutcome` does the work (only that module imports
the kind's SDK), and register it by the contract's tool type in
`tools.registry.default_registry()`. The session only asks the registry to run a call; an
exception becomes an error outcome the LLM hears, so a failing tool never stalls a turn.
"""
