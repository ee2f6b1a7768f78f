// One text conversation held by the official `@elevenlabs/client` against an openconvai server.
//
//   node text_conversation.mjs --agent-id AGENT --origin ws://127.0.0.1:PORT [--text "..."]
//                              [--timeout-ms 20000]
//
// (or OPENCONVAI_AGENT_ID / OPENCONVAI_ORIGIN / OPENCONVAI_TEXT / OPENCONVAI_TIMEOUT_MS).
// Starts a websocket, text-only session, sends one user message, waits for the agent's next
// message, ends the session and prints ONE JSON line on stdout with everything it saw. Exits 1
// with a message on stderr on a client error, an early disconnect, or a timeout.

import { parseArgs } from "node:util";
import { WebSocket } from "ws";

// Node 20 has no global WebSocket and the client needs one; use `ws` on every Node version.
globalThis.WebSocket = WebSocket;

const { Conversation } = await import("@elevenlabs/client");

const { values: args } = parseArgs({
  options: {
    "agent-id": { type: "string" },
    origin: { type: "string" },
    text: { type: "string" },
    "timeout-ms": { type: "string" },
  },
});

const agentId = args["agent-id"] ?? process.env.OPENCONVAI_AGENT_ID;
const origin = args.origin ?? process.env.OPENCONVAI_ORIGIN;
const text = args.text ?? process.env.OPENCONVAI_TEXT ?? "hello from js";
const timeoutMs = Number(args["timeout-ms"] ?? process.env.OPENCONVAI_TIMEOUT_MS ?? 20000);

if (!agentId || !origin) {
  console.error("usage: node text_conversation.mjs --agent-id AGENT --origin ws://HOST:PORT");
  process.exit(2);
}

const seen = {
  connected_conversation_id: null,
  conversation_id: null,
  messages: [],
  chat_response_parts: [],
  incoming_event_types: [],
  outgoing_event_types: [],
  statuses: [],
  errors: [],
  disconnect: null,
};

function fail(reason) {
  console.error(`js client: ${reason}`);
  console.error(`js client: seen so far: ${JSON.stringify(seen)}`);
  process.exit(1);
}

const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);

let userMessageSent = false;
let settleReply;
let failReply;
const reply = new Promise((resolve, reject) => {
  settleReply = resolve;
  failReply = reject;
});

let conversation;
try {
  conversation = await Conversation.startSession({
    agentId,
    origin,
    connectionType: "websocket",
    textOnly: true,
    onConnect: ({ conversationId }) => {
      seen.connected_conversation_id = conversationId;
    },
    onMessage: ({ source, role, message, event_id }) => {
      seen.messages.push({ source, role, message, event_id: event_id ?? null });
      if (userMessageSent && source === "ai") {
        settleReply(message);
      }
    },
    onAgentChatResponsePart: part => {
      seen.chat_response_parts.push(part);
    },
    onIncomingEvent: event => {
      seen.incoming_event_types.push(event.type);
    },
    onOutgoingEvent: event => {
      seen.outgoing_event_types.push(event.type);
    },
    onStatusChange: ({ status }) => {
      seen.statuses.push(status);
    },
    onError: (message, context) => {
      seen.errors.push({ message, context: context ?? null });
      failReply(new Error(`client reported an error: ${message}`));
    },
    onDisconnect: details => {
      seen.disconnect = details;
      if (details.reason !== "user") {
        failReply(new Error(`disconnected before the reply: ${JSON.stringify(details)}`));
      }
    },
  });
} catch (error) {
  fail(`startSession failed: ${error instanceof Error ? error.message : String(error)}`);
}

seen.conversation_id = conversation.getId();
userMessageSent = true;
conversation.sendUserMessage(text);

try {
  await reply;
} catch (error) {
  fail(error.message);
}

await conversation.endSession();
clearTimeout(timer);
process.stdout.write(`${JSON.stringify(seen)}\n`, () => process.exit(0));
