"""The embedded offline models: what they are, where they live, how they get installed."""
