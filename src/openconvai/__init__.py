"""openconvai: self-hosted conversational voice agents speaking the ElevenLabs Agents API."""

__version__ = "0.1.0"
