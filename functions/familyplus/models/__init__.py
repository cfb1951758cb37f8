"""The pydantic models, one module per workflow.

The rule: a model lives with the workflow whose stages (or ports) produce it; a later workflow that reads it
imports it from there (a story is made by process_response and read by generate_podcast).

* `base`     — the building blocks: `WireModel` (camelCase Step Functions payloads), `Record` (stored rows),
               the id types.
* `keys`     — every storage key and name derived from ids (media keys, story ids, quote keys, execution
               names, the batch manifest prefixes), so each key's shape is written once.
* `response` — process_response: its input and text-stage events, and the records it stores (response,
               tags, wisdom, story, quotes).
* `audio`    — process_response's audio branch (prepare, transcribe chunks, merge) and the values the audio
               ports return (`Transcript`, `AudioInfo`, `AudioChunk`, `Loudness`), which podcasts use too.
* `podcast`  — generate_podcast: script, segments, assembly and publication.
* `jobs`     — the batch lane: daily_podcasts (selection and summary).
* `quotes`   — the daily quote job: families, quote candidates, deliveries.

Wire events carry only ids, storage keys and small numbers, never audio or a transcript: Step Functions
caps a state's payload at 256 KB, so large documents travel through the media store under `keys` names.
"""
