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


def test_sentences_in_german_russian_arabic_and_japanese() -> None:
    de = ("Bis zum 31. Dezember 2030 sollen ca. 1.200 Bauwerke erneuert werden. Das kostet rund 12 Mrd. Euro. "
          "Lutz sagte: \u201eWir haben zu lange gewartet.\u201c Kritiker halten das f\u00fcr falsch. "
          "Viele Br\u00fccken stammen aus dem 19. Jahrhundert. Sie wurden 1890. Heute nicht mehr.")
    assert _split(de) == [
        "Bis zum 31. Dezember 2030 sollen ca. 1.200 Bauwerke erneuert werden.",
        "Das kostet rund 12 Mrd. Euro.",
        "Lutz sagte: \u201eWir haben zu lange gewartet.\u201c",
        "Kritiker halten das f\u00fcr falsch.",
        "Viele Br\u00fccken stammen aus dem 19. Jahrhundert.",
        "Sie wurden 1890.",
        "Heute nicht mehr.",
    ]
    # A month English writes alike ends an English sentence before it.
    assert _split("The first phase ended on June 2. August saw the second begin.") == [
        "The first phase ended on June 2.", "August saw the second begin."]
    assert len(_split("Bis zum 3. August wird gebaut. Dann nicht.")) == 2
    ru = "\u041e\u0431 \u044d\u0442\u043e\u043c \u0441\u043e\u043e\u0431\u0449\u0438\u043b \u043f\u0440\u043e\u0444. \u0410\u043d\u0434\u0440\u0435\u0439 \u0421\u043e\u043a\u043e\u043b\u043e\u0432. \u0417\u0440\u0438\u0442\u0435\u043b\u0438 \u0440\u0430\u0434\u044b."
    assert len(_split(ru)) == 2
    ar = "\u0647\u0644 \u062a\u0643\u0641\u064a \u0627\u0644\u0645\u0643\u062a\u0628\u0627\u062a\u061f \u064a\u0631\u0649 \u0627\u0644\u062f\u0643\u062a\u0648\u0631 \u0630\u0644\u0643."
    assert _split(ar) == [ar[: ar.index("\u061f") + 1], ar[ar.index("\u061f") + 2 :]]
    # A quotation the sentence goes on after (\u300c...\uff01\u300d\u3068\u8a71\u3059) is one sentence; two quotations are two.
    ja = "\u300c\u6301\u3063\u3066\u3044\u307e\u3059\uff01\u300d\u3068\u8a71\u3059\u7537\u6027\u3082\u3044\u305f\u3002\u300c\u306f\u3044\u3002\u300d\u300c\u3044\u3044\u3048\u3002\u300d"
    assert _split(ja) == ["\u300c\u6301\u3063\u3066\u3044\u307e\u3059\uff01\u300d\u3068\u8a71\u3059\u7537\u6027\u3082\u3044\u305f\u3002",
                          "\u300c\u306f\u3044\u3002\u300d", "\u300c\u3044\u3044\u3048\u3002\u300d"]


def test_a_word_step_never_stops_inside_a_character() -> None:
    """A selection by word cut "\u00d4ng" written decomposed after its "O" (a
    quote that began with a bare circumflex), an Arabic word after its
    first vowel sign, an emoji between its joined parts."""
    cases = {
        "O\u0302ng Tra\u0300n.": ["O\u0302ng", "Tra\u0300n", "."],
        "\u064a\u064f\u0639\u0631\u0636 \u0645\u0646": ["\u064a\u064f\u0639\u0631\u0636", "\u0645\u0646"],
        "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd \u05e2\u05d5\u05dc\u05dd": ["\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd", "\u05e2\u05d5\u05dc\u05dd"],
        "\U0001f469\u200d\U0001f467 hi \U0001f44d\U0001f3fd \U0001f1e9\U0001f1ea\U0001f1eb\U0001f1f7":
            ["\U0001f469\u200d\U0001f467", "hi", "\U0001f44d\U0001f3fd", "\U0001f1e9\U0001f1ea", "\U0001f1eb\U0001f1f7"],
        "\u0939\u093f\u0928\u094d\u0926\u0940 \u0916\u092c\u0930": ["\u0939\u093f\u0928\u094d\u0926\u0940", "\u0916\u092c\u0930"],
    }
    for text, words in cases.items():
        assert [text[s:e] for s, e in word_spans(text)] == words
