"""What running conversations needs of the process (the app state has it all)."""

from typing import Protocol

from openconvai.providers.catalog import ProviderCatalog
from openconvai.security.encryption import SecretBox
from openconvai.security.outbound import OutboundGuard
from openconvai.services.admission import Admission
from openconvai.services.live_registry import LiveConversations
from openconvai.settings import Settings
from openconvai.store.database import Database


class ConversationDeps(Protocol):
    """What starting a conversation needs of the process (the app state has it all)."""

    settings: Settings
    database: Database
    secret_box: SecretBox
    signing_key: bytes
    providers: ProviderCatalog
    admission: Admission
    live: LiveConversations
    outbound: OutboundGuard
