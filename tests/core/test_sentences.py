from reader.core.sentences import sentence_spans, word_spans


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentences_respect_abbreviations_initials_and_quotes() -> None:
    text = 'Mr. Smith met Dr. Jones in the U.S. on Sunday. He said "hello." J. R. R. Tolkien left! Why? At 3 p.m. it rained.'
    assert _split(text) == [
        "Mr. Smith met Dr. Jones in the U.S. on Sunday.",
        'He said "hello."',
        "J. R. R. Tolkien left!",
        "Why?",
        "At 3 p.m. it rained.",
    ]


def test_cjk_and_newlines() -> None:
    assert _split("你好。世界！好的\nline two. Ok") == ["你好。", "世界！", "好的", "line two.", "Ok"]


def test_spans_cover_every_word() -> None:
    text = "One two. Three four five! Six"
    covered = "".join(text[s:e] for s, e in sentence_spans(text)).replace(" ", "")
    assert covered == text.replace(" ", "")


def test_word_spans() -> None:
    text = "Don't stop—now, please."
    assert [text[s:e] for s, e in word_spans(text)] == ["Don't", "stop", "—", "now", ",", "please", "."]
