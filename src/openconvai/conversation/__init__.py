"""The conversation core: sessions, turn-taking, replies, transcripts."""
