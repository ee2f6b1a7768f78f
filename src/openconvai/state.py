"""What the process holds for its whole life, shared by every request."""

from dataclasses import dataclass, field

from openconvai.providers.catalog import ProviderCatalog
from openconvai.security.encryption import SecretBox
from openconvai.security.outbound import OutboundGuard
from openconvai.services.admission import Admission, LocalAdmission
from openconvai.services.live_registry import LiveConversations
from openconvai.settings import Settings
from openconvai.store.database import Database


@dataclass
class AppState:
    """The settings, store, keys, providers and live conversations of a running server."""

    settings: Settings
    database: Database
    secret_box: SecretBox
    signing_key: bytes
    providers: ProviderCatalog
    admission: Admission = field(default_factory=LocalAdmission)
    live: LiveConversations = field(default_factory=LiveConversations)
    # The guard of every workspace-supplied URL (MCP servers, ...), from the settings.
    outbound: OutboundGuard = field(init=False)

    def __post_init__(self) -> None:
        self.outbound = OutboundGuard.from_settings(self.settings)
