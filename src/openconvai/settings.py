"""All configuration, read from `OPENCONVAI_*` environment variables (documented in README)."""

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server configuration. Every field maps to `OPENCONVAI_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="OPENCONVAI_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(8000, ge=0, le=65535, description="Port `serve` listens on.")
    data_dir: Path = Field(
        Path("data"), description="Where the SQLite store, encryption key and files live."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; default SQLite in the data directory. "
        "PostgreSQL: postgresql+asyncpg://user:pass@host/db",
    )
    admin_api_key: SecretStr | None = Field(
        None,
        description="On a first start with an empty store, this becomes the admin API key "
        "instead of a random one.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Fernet key that encrypts workspace secrets at rest; default a key "
        "generated into the data directory on first start.",
    )
    public_base_url: str | None = Field(
        None,
        description="Base URL clients reach this server at (for links it hands out); "
        "default derived from each request.",
    )
    max_request_bytes: int = Field(
        2 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")

    @cached_property
    def resolved_database_url(self) -> str:
        """The store URL: the configured one, or SQLite inside the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'openconvai.db').resolve()}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url
