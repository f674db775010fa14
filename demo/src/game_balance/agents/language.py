"""Answer language: Korean when the question contains Hangul, English otherwise."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ko", "en"]


def detect_lang(text: str) -> Lang:
    """``"ko"`` if `text` contains a Hangul syllable or letter, else ``"en"``."""
    for char in text:
        if "\uac00" <= char <= "\ud7a3" or "\u3131" <= char <= "\u318e":
            return "ko"
    return "en"


def pick(lang: Lang, ko: str, en: str) -> str:
    """The Korean or the English text, by `lang`."""
    return ko if lang == "ko" else en


def percent(rate: float) -> str:
    """A rate as a percentage with one decimal, e.g. ``"52.3%"``."""
    return f"{rate * 100:.1f}%"


def minutes(seconds: float) -> str:
    """A duration as ``m:ss``."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
