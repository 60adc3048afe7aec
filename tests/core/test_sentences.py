from reader.core.sentences import count_words, sentence_spans, word_spans


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


def test_chinese_and_japanese_count_and_step_by_character() -> None:
    """Written without spaces, they count a word per character (as word
    processors do), their punctuation not at all, and a selection grows by
    one character; Korean and spaced scripts count as str.split does."""
    zh = "读者在页边写笔记，这是一个很老的习惯。"
    assert count_words(zh) == 17
    assert [zh[s:e] for s, e in word_spans(zh)][:4] == ["读", "者", "在", "页"]
    ja = "日本語のテキストです。"
    assert count_words(ja) == 10
    assert count_words("mixed 中文 text, «and» more") == len("mixed 中文 text, «and» more".split()) + 1
    for spaced in ("한국어 문장입니다", "Ünïcödé — “quotes” done", "Почему читатели снова пишут", "plain ascii words"):
        assert count_words(spaced) == len(spaced.split())
    assert [t for s, e in word_spans("Don't 中文!") for t in ["Don't 中文!"[s:e]]] == ["Don't", "中", "文", "!"]
