"""The composition root picks adapters by profile, and refuses what cannot work there."""

from __future__ import annotations

from pathlib import Path

import pytest

from familyplus.adapters.local.meaning_tagger import MeaningValueTagger
from familyplus.adapters.local.outbox_notifier import OutboxNotifier
from familyplus.adapters.local.sentence_embedder import SentenceEmbedder
from familyplus.bootstrap import build
from familyplus.errors import ConfigurationError
from familyplus.settings import Settings


def test_local_profile_uses_offline_adapters(tmp_path: Path) -> None:
    adapters = build(Settings(data_dir=tmp_path, _env_file=None))
    assert isinstance(adapters.embedder, SentenceEmbedder)
    assert isinstance(adapters.tagger, MeaningValueTagger)
    assert isinstance(adapters.notifier, OutboxNotifier)


def test_overrides_replace_named_ports_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)
    marker = object()
    assert build(settings, embedder=marker).embedder is marker
    with pytest.raises(TypeError, match="unknown port 'embeder'"):
        build(settings, embeder=marker)


def test_cloud_profile_refuses_the_local_outbox(tmp_path: Path) -> None:
    settings = Settings.model_construct(
        profile="cloud", data_dir=tmp_path, twilio_account_sid=None, twilio_auth_token=None, twilio_from=None
    )
    with pytest.raises(ConfigurationError, match="twilio_account_sid"):
        _ = build(settings).notifier
