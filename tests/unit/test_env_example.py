"""`.env.example` documents every variable the settings read (DESIGN: no undocumented configuration)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices

from familyplus.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def names_for(field: str) -> list[str]:
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"FAMILYPLUS_{field.upper()}"]


def test_every_setting_is_in_env_example() -> None:
    text = ENV_EXAMPLE.read_text().lower()
    missing = [
        field
        for field in Settings.model_fields
        if field != "lambda_function_name" and not any(f"{name.lower()}=" in text for name in names_for(field))
    ]
    assert missing == [], f"document these in .env.example: {missing}"
