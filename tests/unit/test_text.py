from familyplus.text import find_verbatim, sentences, stem


def test_sentences_have_exact_offsets() -> None:
    text = "  First one.  Second one!\nThird?  "
    spans = sentences(text)
    assert [s.text for s in spans] == ["First one.", "Second one!", "Third?"]
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_find_verbatim_ignores_whitespace_differences_only() -> None:
    haystack = "He said,\n  always finish   the job."
    assert find_verbatim(haystack, "always finish the job.") == (haystack.index("always"), len(haystack))
    assert find_verbatim(haystack, "always finish the work.") is None
    assert find_verbatim(haystack, "   ") is None


def test_stem_strips_common_suffixes() -> None:
    assert [stem(w) for w in ("families", "worked", "laughing", "kindly", "bus")] == [
        "family",
        "work",
        "laugh",
        "kind",
        "bus",
    ]
