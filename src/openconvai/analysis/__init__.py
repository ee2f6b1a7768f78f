"""Analysis of conversations: LLM usage and what it costs."""
