"""`start_processing(media=...)` against moto S3 and Step Functions: the answer is stored first, the execution
input carries only its key and hash, duplicates and conflicts are still told apart, and accept_response reads
the words back through the same store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from familyplus.adapters.cloud.s3_media_store import S3MediaStore
from familyplus.bootstrap import Adapters
from familyplus.client import start_processing
from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.models.keys import text_key, text_sha256
from familyplus.models.response import ProcessResponseInput
from familyplus.stages import accept_response

REGION = "us-east-1"
BUCKET = "familyplus-test-media"
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
WORDS = "We drove to the coast every August, and my father sang the whole way there."


@dataclass
class Cloud:
    sfn: Any
    s3: Any
    arn: str
    media: S3MediaStore

    def start(self, response_id: str = "resp-1", text: str = WORDS, **kwargs: Any) -> str:
        return start_processing(
            response_id,
            "fam-1",
            media_type="text",
            text=text,
            state_machine_arn=self.arn,
            client=self.sfn,
            media=self.media,
            **kwargs,
        )

    def sent(self, execution_arn: str) -> dict[str, Any]:
        return dict(json.loads(self.sfn.describe_execution(executionArn=execution_arn)["input"]))

    def executions(self) -> list[dict[str, Any]]:
        return list(self.sfn.list_executions(stateMachineArn=self.arn)["executions"])


@pytest.fixture
def cloud(fake_aws: None) -> Iterator[Cloud]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    # as infra/storage.py configures the media bucket: SSE-S3 by default on every object
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    arn = sfn.create_state_machine(
        name="familyplus-test-process-response", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    yield Cloud(sfn, s3, arn, S3MediaStore(BUCKET, client=s3))


def test_the_execution_input_holds_no_text_only_its_key_and_hash(cloud: Cloud) -> None:
    arn = cloud.start(prompt_id="prompt-7")

    sent = cloud.sent(arn)
    digest = text_sha256(WORDS)
    assert sent == {
        "responseId": "resp-1",
        "familyId": "fam-1",
        "mediaType": "text",
        "textKey": f"answers/fam-1/resp-1/{digest}.txt",
        "textSha256": digest,
        "promptId": "prompt-7",
        "podcast": False,
    }
    document = cloud.sfn.describe_execution(executionArn=arn)["input"]
    assert "text" not in sent and not any(word in document for word in ("coast", "August", "father", "sang"))
    stored = cloud.s3.get_object(Bucket=BUCKET, Key=sent["textKey"])
    assert stored["Body"].read().decode() == WORDS
    assert stored["ServerSideEncryption"] == "AES256"


def test_the_same_words_twice_are_one_execution(cloud: Cloud) -> None:
    assert cloud.start() == cloud.start()
    assert len(cloud.executions()) == 1


def test_other_words_for_the_same_response_are_a_conflict_and_leave_the_first_object(cloud: Cloud) -> None:
    first = cloud.start()
    with pytest.raises(ExecutionAlreadyExistsError, match=r"response-resp-1 already exists .* different input"):
        cloud.start(text="We never went to the coast; we stayed home and fixed the barn.")
    assert len(cloud.executions()) == 1
    # the live execution's object is untouched: other words are another key
    assert cloud.media.get_bytes(cloud.sent(first)["textKey"]).decode() == WORDS


def test_the_same_words_for_another_prompt_are_a_conflict(cloud: Cloud) -> None:
    cloud.start(prompt_id="prompt-1")
    with pytest.raises(ExecutionAlreadyExistsError):
        cloud.start(prompt_id="prompt-2")
    assert len(cloud.executions()) == 1


def test_accept_response_reads_the_words_the_client_stored(cloud: Cloud, adapters: Adapters) -> None:
    arn = cloud.start()
    event = ProcessResponseInput.model_validate(cloud.sent(arn))

    class CloudMedia:
        store = adapters.store
        media = cloud.media

    accept_response.run(event, CloudMedia())

    assert adapters.store.get_response("resp-1").text == WORDS


def test_a_bad_input_stores_nothing(cloud: Cloud) -> None:
    with pytest.raises(ValueError):
        cloud.start(response_id="bad id")
    assert "Contents" not in cloud.s3.list_objects_v2(Bucket=BUCKET)
    assert cloud.executions() == []


def test_without_media_the_seed_inline_form_is_sent(cloud: Cloud) -> None:
    arn = start_processing(
        "resp-9", "fam-1", media_type="text", text=WORDS, state_machine_arn=cloud.arn, client=cloud.sfn
    )
    assert cloud.sent(arn)["text"] == WORDS
    assert text_key("fam-1", "resp-9", text_sha256(WORDS)) not in json.dumps(cloud.sent(arn))
