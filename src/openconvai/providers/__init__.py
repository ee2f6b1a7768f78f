"""Speech and language providers behind small protocols: VAD, STT, LLM, TTS."""
