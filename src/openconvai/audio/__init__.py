"""Audio at the edges of a conversation: wire formats, μ-law, resampling, framing, WAV.

The conversation core works on 16 kHz mono int16 PCM in 20 ms frames; this package turns
what clients send into that and what the core produces into what clients asked for.
"""
