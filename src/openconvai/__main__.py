"""`python -m openconvai` runs the CLI."""

from openconvai.cli import app

app()
