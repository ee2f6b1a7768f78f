"""Transports: thin codecs between a wire protocol and the conversation core."""
