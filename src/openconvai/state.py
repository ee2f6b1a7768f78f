"""What the process holds for its whole life, shared by every request."""

from dataclasses import dataclass

from openconvai.security.encryption import SecretBox
from openconvai.settings import Settings
from openconvai.store.database import Database


@dataclass
class AppState:
    """The settings, the store and the secret box of a running server."""

    settings: Settings
    database: Database
    secret_box: SecretBox
