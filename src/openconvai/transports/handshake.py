"""The WebSocket server protocol every conversation socket is served with.

When the opening request cannot be parsed (a request line over 8 KB: a client sending a
10,000-character `agent_id`, say, or headers too large), the `websockets` protocol writes
its HTTP refusal (414, or 400) into its output buffer, but uvicorn's sans-I/O protocol only
flushes that buffer for requests it could parse: the client waited, unanswered, until it
gave up. Here such a refusal is sent at once and the connection closed.
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class RefusingWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol, answering an unparseable handshake instead of hanging."""

    def data_received(self, data: bytes) -> None:
        """Parse as uvicorn does; then send a handshake refusal the parser produced."""
        super().data_received(data)
        if self.conn.handshake_exc is not None and not self.transport.is_closing():
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
