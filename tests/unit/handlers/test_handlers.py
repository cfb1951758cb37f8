"""Handlers as Lambda calls them: event dict + context in, JSON-able dict out; only two error names out."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

import pytest

from familyplus.bootstrap import Adapters
from familyplus.catalog import STAGES
from familyplus.errors import PermanentError, TransientError
from familyplus_local.runtime.lambdas import LocalContext

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def context(name: str = "test") -> LambdaContext:
    """A Lambda context as the local runtime builds it (it has the attributes Powertools reads)."""
    local = LocalContext(
        function_name=name,
        invoked_function_arn=f"arn:aws:lambda:local:0:function:{name}",
        memory_limit_in_mb=128,
        timeout_s=30,
    )
    return cast("LambdaContext", local)


def test_every_catalog_stage_has_a_handler() -> None:
    for spec in STAGES:
        module_name, _, attribute = spec.handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module_name), attribute)), spec.name


def test_accept_handler_returns_the_wire_model(adapters: Adapters) -> None:
    from familyplus.handlers.accept_response import handler

    out = handler({"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": "Hello there."}, context())
    assert out == {"responseId": "r1", "familyId": "f1", "mediaType": "text", "podcast": False}


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({"familyId": "f1", "mediaType": "text", "text": "hi"}, "responseId"),
        ({"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": "   "}, "text"),
        ({"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": "x" * 40_001}, "text"),
        ({"responseId": "r1", "familyId": "f1", "mediaType": "video", "text": "hi"}, "mediaType"),
        ({"responseId": "bad id!", "familyId": "f1", "mediaType": "text", "text": "hi"}, "responseId"),
    ],
)
def test_malformed_input_is_a_permanent_error_naming_the_field(adapters: Adapters, event: dict, named: str) -> None:
    from familyplus.handlers.accept_response import handler

    with pytest.raises(PermanentError) as raised:
        handler(event, context())
    assert type(raised.value) is PermanentError  # the exact class name is what Step Functions matches
    assert str(raised.value).startswith("accept_response: invalid input: ")
    assert named in str(raised.value)


class FlakyEmbedder:
    model, dimensions = "flaky", 3

    def embed(self, texts: object) -> list[list[float]]:
        raise ConnectionResetError("peer reset")


def test_unexpected_exceptions_become_permanent_errors_with_their_type(adapters: Adapters) -> None:
    from familyplus.handlers.accept_response import handler as accept
    from familyplus.handlers.embed import handler as embed

    accept({"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": "Hello there."}, context())
    adapters.__dict__["embedder"] = FlakyEmbedder()
    with pytest.raises(PermanentError, match="embed: unexpected ConnectionResetError: peer reset"):
        embed({"responseId": "r1", "familyId": "f1"}, context())


def test_subclassed_transient_errors_leave_as_exactly_transient_error(adapters: Adapters) -> None:
    from familyplus.handlers.embed import handler as embed

    class ThrottledError(TransientError):
        pass

    class ThrottledEmbedder(FlakyEmbedder):
        def embed(self, texts: object) -> list[list[float]]:
            raise ThrottledError("429 from provider")

    from familyplus.handlers.accept_response import handler as accept

    accept({"responseId": "r1", "familyId": "f1", "mediaType": "text", "text": "Hello there."}, context())
    adapters.__dict__["embedder"] = ThrottledEmbedder()
    with pytest.raises(TransientError) as raised:
        embed({"responseId": "r1", "familyId": "f1"}, context())
    assert type(raised.value) is TransientError
    assert str(raised.value) == "embed: 429 from provider"
