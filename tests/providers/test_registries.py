"""The provider registries and the catalog that composes them: which provider serves each
name of the API, which key it needs, and which backups an agent's LLM gets.

Cloud clients are replaced by fakes through the registries' tables, so nothing here
leaves the process; the wire of each vendor has its own tests."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openconvai.providers.access import Access, ProviderAccess, Vendor
from openconvai.providers.catalog import ProviderCatalog
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.llm import registry as llm_registry
from openconvai.providers.llm.base import ChatMessage, LlmEvent, LlmRequest, TextDelta, Usage
from openconvai.providers.stt import registry as stt_registry
from openconvai.providers.tts import registry as tts_registry
from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.settings import Settings


class FakeLlm:
    """Answers `text` after `delay` seconds, or fails when `text` is None."""

    def __init__(self, text: str | None, delay: float = 0.0) -> None:
        self.text = text
        self.delay = delay
        self.models: list[str] = []
        self.closed = False

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        self.models.append(request.model)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.text is None:
            raise ProviderError("llm_error", "the fake vendor is down")
        yield TextDelta(self.text)
        yield Usage(request.model, 3, 1)

    async def aclose(self) -> None:
        self.closed = True


class FakeClient:
    """Stands in for a vendor's synthesizer or recognizer client."""

    def __init__(self, access: Access) -> None:
        self.access = access


def catalog(tmp_path: Path, **settings: Any) -> ProviderCatalog:
    return ProviderCatalog(Settings(data_dir=tmp_path, local_models=False, **settings))


def agent(llm: str = "gemini-2.0-flash", voice_id: str = "en_US-joe-medium", **prompt: Any):
    return ConversationalConfig.model_validate(
        {"agent": {"prompt": {"llm": llm, **prompt}}, "tts": {"voice_id": voice_id}}
    )


def keyed(*vendors: Vendor, custom_llm: Access | None = None) -> ProviderAccess:
    return ProviderAccess(
        {vendor: Access(api_key=f"{vendor}-key") for vendor in vendors}, custom_llm
    )


async def answer(model: Any, name: str = "the-agents-model") -> tuple[str, list[str]]:
    """The reply's text and the model names its usage is reported under."""
    text, usage = "", []
    request = LlmRequest(model=name, messages=[ChatMessage("user", "hi")])
    async for event in model.stream(request):
        if isinstance(event, TextDelta):
            text += event.text
        elif isinstance(event, Usage):
            usage.append(event.model)
    return text, usage


def cloud_llm(monkeypatch: pytest.MonkeyPatch, vendor: str, fake: FakeLlm) -> list[Access]:
    """Makes `vendor`'s client `fake`; returns the accounts it was built for."""
    built: list[Access] = []

    def build(access: Access, timeout_secs: float) -> FakeLlm:
        built.append(access)
        return fake

    monkeypatch.setitem(llm_registry.CLOUD_LLMS, vendor, build)
    return built


def test_the_scripted_setting_gives_every_agent_the_scripted_pipeline(tmp_path: Path) -> None:
    providers = catalog(tmp_path, scripted_providers=True)
    pipeline = providers.pipeline_for(agent("claude-3-haiku", "openai:alloy"))
    assert pipeline.vad is providers.vad.energy
    assert pipeline.stt is providers.stt.scripted
    assert pipeline.llm is providers.llm.scripted
    assert pipeline.tts is providers.tts.scripted
    providers.check_credentials(agent("claude-3-haiku", "openai:alloy"), keyed())


async def test_the_default_model_runs_on_the_local_fallback_without_a_key(tmp_path: Path) -> None:
    providers = catalog(tmp_path)
    pipeline = providers.pipeline_for(agent())
    assert pipeline.vad is providers.vad.energy
    assert pipeline.stt is providers.stt.scripted
    assert pipeline.tts is providers.tts.scripted
    assert await answer(pipeline.llm) == ("You said: hi", ["the-agents-model"])
    providers.check_credentials(agent(), keyed())


def test_a_cloud_model_without_its_key_is_refused_naming_the_key(tmp_path: Path) -> None:
    providers = catalog(tmp_path)
    for check in (providers.llm_for, providers.check_credentials, providers.pipeline_for):
        with pytest.raises(MissingCredentials) as refusal:
            check(agent("claude-3-haiku"), keyed("openai"))
        assert "needs a Anthropic API key" in refusal.value.message
        assert "OPENCONVAI_ANTHROPIC_API_KEY" in refusal.value.message
        assert refusal.value.error_type == "value_error"


async def test_a_keyed_cloud_model_is_asked_under_its_vendor_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeLlm("from claude")
    built = cloud_llm(monkeypatch, "anthropic", fake)
    providers = catalog(tmp_path)
    access = keyed("anthropic")
    for _ in range(2):
        llm = providers.llm_for(agent("claude-3-haiku"), access)
        assert await answer(llm, "claude-3-haiku") == ("from claude", ["claude-3-haiku"])
    assert fake.models == ["claude-3-haiku-20240307"] * 2
    assert built == [Access(api_key="anthropic-key")]  # one client per account, shared
    await providers.aclose()
    assert fake.closed


async def test_override_backups_skip_unkeyed_models_and_answer_for_a_failed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud_llm(monkeypatch, "openai", FakeLlm(None))
    gemini = FakeLlm("from gemini")
    cloud_llm(monkeypatch, "google", gemini)
    backups = {"preference": "override", "order": ["claude-3-haiku", "gemini-1.5-pro"]}
    config = agent("gpt-4o", backup_llm_config=backups)
    llm = catalog(tmp_path).llm_for(config, keyed("openai", "google"))
    assert await answer(llm, "gpt-4o") == ("from gemini", ["gpt-4o"])
    assert gemini.models == ["gemini-1.5-pro"]


async def test_disabled_backups_leave_the_failure_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud_llm(monkeypatch, "openai", FakeLlm(None))
    config = agent("gpt-4o", backup_llm_config={"preference": "disabled"})
    llm = catalog(tmp_path).llm_for(config, keyed("openai"))
    with pytest.raises(ProviderError) as failure:
        await answer(llm)
    assert failure.value.error_type == "llm_error"


async def test_the_default_backup_is_the_embedded_model_within_the_cascade_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud_llm(monkeypatch, "openai", FakeLlm("too late", delay=5))
    providers = catalog(tmp_path)
    local = FakeLlm("from the embedded model")
    monkeypatch.setattr(providers.local, "llm", lambda: local)
    llm = providers.llm_for(agent("gpt-4o", cascade_timeout_seconds=0.05), keyed("openai"))
    assert await answer(llm) == ("from the embedded model", ["the-agents-model"])


async def test_custom_llm_goes_to_the_agents_server_under_its_model_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeLlm("from my server")
    monkeypatch.setattr(llm_registry, "_custom_server", lambda access, timeout: server)
    providers = catalog(tmp_path)
    config = agent("custom-llm", custom_llm={"url": "http://127.0.0.1:1/v1", "model_id": "mine"})
    providers.check_credentials(config, keyed())
    with pytest.raises(ProviderError) as refusal:
        providers.llm_for(config, keyed())
    assert refusal.value.error_type == "custom_llm_error"
    access = keyed(custom_llm=Access(api_key=None, base_url="http://127.0.0.1:1/v1"))
    assert await answer(providers.llm_for(config, access)) == (
        "from my server",
        ["the-agents-model"],
    )
    assert server.models == ["mine"]


async def test_a_stalled_custom_llm_reports_a_custom_llm_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stalled = FakeLlm("too late", delay=5)
    monkeypatch.setattr(llm_registry, "_custom_server", lambda access, timeout: stalled)
    config = agent(
        "custom-llm", custom_llm={"url": "http://127.0.0.1:1/v1"}, cascade_timeout_seconds=0.05
    )
    access = keyed(custom_llm=Access(api_key=None, base_url="http://127.0.0.1:1/v1"))
    llm = catalog(tmp_path).llm_for(config, access)
    with pytest.raises(ProviderError) as failure:
        await answer(llm)
    assert failure.value.error_type == "custom_llm_error"


def test_an_openai_voice_needs_the_openai_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    openai = tts_registry.CloudVoices("openai", "openai-tts", FakeClient)
    monkeypatch.setitem(tts_registry.PREFIXED_VOICES, "openai:", openai)
    providers = catalog(tmp_path)
    for check in (providers.check_credentials, providers.pipeline_for):
        with pytest.raises(MissingCredentials) as refusal:
            check(agent(voice_id="openai:alloy"), keyed("elevenlabs"))
        assert refusal.value.message == (
            "voice 'openai:alloy' is an OpenAI voice but no OpenAI key is configured "
            "(OPENCONVAI_OPENAI_API_KEY or a workspace secret OPENAI_API_KEY)"
        )
    tts = providers.pipeline_for(agent(voice_id="openai:alloy"), keyed("openai")).tts
    assert isinstance(tts, FakeClient)
    assert tts.access == Access(api_key="openai-key")


def test_any_other_voice_is_elevenlabs_when_keyed_else_the_local_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elevenlabs = tts_registry.CloudVoices("elevenlabs", "elevenlabs", FakeClient)
    monkeypatch.setattr(tts_registry, "OTHER_VOICES", elevenlabs)
    providers = catalog(tmp_path)
    config = agent(voice_id="cjVigY5qzO86Huf0OWal")
    assert providers.pipeline_for(config, keyed()).tts is providers.tts.scripted
    first = providers.pipeline_for(config, keyed("elevenlabs")).tts
    assert isinstance(first, FakeClient)
    assert providers.pipeline_for(config, keyed("elevenlabs")).tts is first


def test_speech_recognition_follows_the_asr_provider_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deepgram = stt_registry.CloudRecognizer("deepgram", "deepgram", FakeClient)
    monkeypatch.setitem(stt_registry.CLOUD_RECOGNIZERS, "deepgram", deepgram)
    providers = catalog(tmp_path, asr_provider="deepgram")
    with pytest.raises(MissingCredentials) as refusal:
        providers.pipeline_for(agent(), keyed("openai"))
    assert refusal.value.message.startswith(
        "speech recognition is set to deepgram but no Deepgram key is configured"
    )
    stt = providers.pipeline_for(agent(), keyed("deepgram")).stt
    assert isinstance(stt, FakeClient)
    assert stt.access == Access(api_key="deepgram-key")
    local = catalog(tmp_path, asr_provider="local")
    assert local.pipeline_for(agent(), keyed("deepgram")).stt is local.stt.scripted
