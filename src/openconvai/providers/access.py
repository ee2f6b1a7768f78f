"""How a cloud provider is reached: key, base URL and extra headers, resolved per workspace."""

from dataclasses import dataclass
from typing import Literal

from openconvai.settings import Settings

Vendor = Literal["openai", "anthropic", "google", "elevenlabs", "deepgram"]

VENDORS: tuple[Vendor, ...] = ("openai", "anthropic", "google", "elevenlabs", "deepgram")

# The workspace secret that holds a vendor's key when settings do not: named like the
# environment variable, so one name works in both places.
SECRET_NAMES: dict[Vendor, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GOOGLE_API_KEY",
    "elevenlabs": "ELEVENLABS_API_KEY",
    "deepgram": "DEEPGRAM_API_KEY",
}


@dataclass(frozen=True)
class Access:
    """Everything a client needs to reach one account of a vendor.

    Frozen and hashable: providers cache one SDK client per distinct `Access`, so every
    conversation of a workspace shares its connection pool.
    """

    api_key: str | None
    base_url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def settings_access(settings: Settings, vendor: Vendor) -> Access:
    """The vendor's key and base URL from settings (the key may be None)."""
    key = getattr(settings, f"{vendor}_api_key")
    return Access(
        api_key=key.get_secret_value() if key is not None else None,
        base_url=getattr(settings, f"{vendor}_base_url"),
    )


# How messages about a missing key name each vendor.
VENDOR_NAMES: dict[Vendor, str] = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google (Gemini)",
    "elevenlabs": "ElevenLabs",
    "deepgram": "Deepgram",
}


class ProviderAccess:
    """The vendor accounts one workspace may use, from settings or its secrets."""

    def __init__(self, vendors: dict[Vendor, Access], custom_llm: Access | None = None):
        self._vendors = vendors
        self.custom_llm = custom_llm

    def vendor(self, vendor: Vendor) -> Access | None:
        """The vendor's access if it has a key."""
        access = self._vendors.get(vendor)
        return access if access is not None and access.api_key else None


NO_ACCESS = ProviderAccess({})
