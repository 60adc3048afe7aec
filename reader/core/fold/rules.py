"""What a block's words and its HTML surroundings say it is.

Each pattern names one kind of page furniture. They serve twice: as signals
for the folding model, and to name the reason of a block the model folds.
"""

from __future__ import annotations

import re
from functools import lru_cache

NAVIGATION = "navigation"
NEWSLETTER = "newsletter sign-up"
DONATION = "donation appeal"
SHARE = "share/social buttons"
COOKIE = "cookie notice"
RELATED = "related links"
COMMENTS = "comments"
LEGAL = "legal/copyright"
BYLINE = "byline/date line"
CREDIT = "image credit"
IMAGE = "image"
ADVERT = "advertisement"
MARKED = "marked by you"
TITLE = "title (shown above)"
REPEATED = "repeated on this page"

_MONTHS = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
    r"|nov(ember)?|dec(ember)?)"
)
#: A date as pages write it ("March 3, 2025", "3rd March 2025", "2025-03-03", "2025年3月3日").
DATE = (
    rf"(\b{_MONTHS}\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}(st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}\b"
    r"|\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\d{4}年\d{1,2}月\d{1,2}日)"
)

#: A time of day ("1:07 pm", "23:07").
_TIME = r"\b\d{1,2}:\d{2}(\s*[ap]\.?m\.?)?\b"

#: The small print under a sign-up form ("By signing up, you agree to ...").
_FINE_PRINT = (r"^by (signing up|subscribing|submitting|entering|clicking|registering|providing)\b.*"
               r"\b(agree|consent|accept|acknowledge)")
FINE_PRINT = re.compile(_FINE_PRINT, re.I)

#: Where a share button sends a page.
_NETWORKS = (r"(facebook|twitter|x|linkedin|reddit|whatsapp|pinterest|telegram|e-?mail|bluesky|threads|mastodon"
             r"|flipboard|messenger|print|copy link)")

#: (reason, pattern, longest block in words it applies to).
TEXT_PATTERNS: list[tuple[str, re.Pattern[str], int]] = [
    (COOKIE, re.compile(
        r"\bcookies?\b.*\b(use|uses|accept|consent|policy|settings|preferences)\b|\bwe use cookies\b"
        r"|\bcookie (policy|settings|preferences)\b|\bmanage (consent|preferences)\b"
        # German, French, Spanish, Italian, Portuguese, Russian, Japanese, Chinese.
        r"|\b(verwende[nt]?|nutze[nn]?|setzen|akzeptieren|zustimmen|utilis\w+|accept\w+|utiliz\w+|acept\w+|usiamo"
        r"|accett\w+|usamos)\b.{0,80}\bcookies?\b|\bcookies?\b.{0,80}\b(verwende[nt]?|zu(zu)?stimmen|akzeptieren"
        r"|utilis\w+|accept\w+|utiliz\w+|acept\w+|usiamo|accett\w+|usamos)\b|файл\w* cookie|cookie-файл"
        r"|(クッキー|cookie).{0,40}(使用|利用|同意)|(使用|接受).{0,20}cookie", re.I), 70),
    (NEWSLETTER, re.compile(
        r"\b(sign up|subscribe|subscribers?|signing up|opt in)\b.*\b(newsletter|e-?mails?|inbox|updates|digest)\b"
        rf"|{_FINE_PRINT}"
        r"|\bnewsletters?\b|\bin your (in)?box\b|\benter your e-?mail\b|\byour e-?mail address\b"
        r"|^e-?mail( address)?\*?$|^(subscribe|sign up)( now| today| for free)?\W*$"
        # What a sign-up or contact form says once it is sent, or fails.
        r"|^(thank you|thanks)\b.{0,40}?\b(your (submission|message|request) (has been|was) (received|sent)"
        r"|for (subscribing|signing up)|check your (inbox|e-?mail)|(at|in) your inbox)"
        r"|^oops!?,? something went wrong( while submitting the form)?\W*$"
        r"|\b(newsletter|rundbrief)\b.{0,40}\babonnieren\b|\babonnez-vous\b|\binscrivez-vous\b.{0,40}\b(lettre|newsletter)"
        r"|\b(suscr[ií]bete|suscribirse)\b|\biscriviti\b|\bподпиш(итесь|ись)\b|\bрассылк\w*"
        r"|メールマガジン|メルマガ|订阅(我们|邮件|新闻)|ניוזלטר|النشرة البريدية|نشرتنا البريدية",
        re.I), 60),
    (DONATION, re.compile(
        r"\b(donate|donation|donating|become a (member|patron|supporter|subscriber)"
        r"|support (us|our|the|independent)\b|contribut(e|ion)s?\b.*\b(journalism|work|reporting)"
        r"|not ready to support|remind me later|independent journalism|reader[- ]funded|chip in"
        r"|patreon|buy me a coffee|ko-fi|^a message from\b|^dear readers,?$"
        r"|jetzt spenden|\bspenden sie\b|unterstützen sie (uns|unseren|unsere|den|die)\b|faire un don|soutenez[- ]nous"
        r"|haz una donación|\bdona ora\b|sostienici|поддержите (нас|редакцию|проект)|пожертвова\w+)",
        re.I), 70),
    (SHARE, re.compile(
        r"^(share|shares|tweet|pin( it)?|e-?mail|print|copy( link)?|link copied|whatsapp|facebook|twitter|x|"
        r"linkedin|reddit|pinterest|telegram|flipboard|messenger|bluesky|threads|instagram|youtube|tiktok|"
        r"mastodon|rss|feed|rss feed|teilen|artikel teilen|partager|compartir|condividi|поделиться|分享|シェア|ツイート|"
        r"share (this|on|via)\b.*|follow us\b.*|share this (article|story|post)|click to (share|email|print)\b.*"
        # A row of buttons copied as one line ("Facebook Twitter LinkedIn").
        rf"|((share|teilen|partager|compartir)( this| on| via)?\W+)?{_NETWORKS}(\W+{_NETWORKS}){{1,9}}"
        r"|like this|like loading)\W*$", re.I), 10),
    (LEGAL, re.compile(
        r"(©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved|privacy policy|terms (of|and) (use|service|conditions)"
        r"|\baffiliate (links?|commission)|\bwe may earn\b|\bdisclosure\b|\bdisclaimer\b|\bpowered by\b"
        r"|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|tutti i diritti riservati"
        r"|todos os direitos reservados|все права защищены|版权所有|無断転載|^(datenschutz(erklärung)?|impressum"
        r"|politique de confidentialité|mentions légales|política de privacidad|aviso legal"
        r"|политика конфиденциальности)\W*$)", re.I), 80),
    (RELATED, re.compile(
        r"^(read more|read next|read also|related( articles| stories| posts| content| reading)?|more (from|stories|"
        r"on|in|like this|articles)\b.*|you (may|might) also (like|enjoy)|recommended( for you| reading)?|see also|"
        r"popular( posts| now)?|trending( now)?|most (read|popular|viewed)|latest( news| posts| stories)?|"
        r"also read|keep reading|continue reading|up next|what to read next|further reading|top stories"
        r"|mehr zum thema|weiterlesen|lesen sie auch|auch interessant|das könnte sie auch interessieren"
        r"|(à )?lire aussi|lire la suite|sur le même sujet|leer más|lee también|te puede interesar|leggi anche"
        r"|читайте также|читать (далее|дальше)|похожие (статьи|материалы)|関連記事|相关(文章|阅读)|推荐阅读)\W*$",
        re.I), 10),
    (COMMENTS, re.compile(
        r"^(\d+\s+)?(comments?|responses?|replies|leave a (comment|reply)|reply( to (this )?\S+)?|"
        r"(comments?|responses?|replies|thoughts?) (on|to) .+|"
        r"post a comment|add a comment|"
        r"join the (conversation|discussion)|show comments|view comments|be the first to comment.*|"
        r"cancel reply|submit comment|post comment|log in to (comment|reply)"
        r"|kommentare?|commentaires?|comentarios?|commenti|комментари\w*|コメント|评论)\W*$", re.I), 30),
    (ADVERT, re.compile(
        r"^(advertisement|advertising|sponsored( content| post)?|ad|ads|promoted|partner content|"
        r"story continues below( this)? (ad|advertisement)|scroll to continue( with content)?|anzeige|реклама|广告|"
        r"buy (it )?(now|on amazon|at amazon)|check (the )?(latest )?price( at| on) \S+( \(on sale!?\))?|shop now|"
        r"book now|(see|check|view|compare) (the )?(latest |best )?(price|prices|deal|deals|rating|rates)"
        r"( at| on| from)?( \S+)?|(see|view|check) (it|them) (at|on) \S+|check \S+ price|track price|where to buy"
        r"|best prices today|price comparison from \S+|get (a )?(quote|price)( from .{1,40})?|visit (the )?website"
        r"|view (it )?on \S+( links to \S+)?|buy (it )?now (at|on|from) .{1,40}|check (their|our) (rates|prices)"
        r"( and availability)?)\W*$",
        re.I), 8),
    (NAVIGATION, re.compile(
        r"^(skip to (main )?content|skip to (the )?navigation|menu|main menu|home|search|log ?in|log ?out|sign in|"
        r"sign out|register|next|previous|prev|back|close|toggle navigation|open menu|more|"
        r"back to (the )?(top|menu|main menu|blog|posts|home|homepage|news|articles|list|search( results)?"
        r"|all \S+)|(scroll|return|go) (back )?to (the )?top|"
        r"next (post|article|story)|previous (post|article|story)|older posts?|newer posts?|load more|"
        r"view all|see all|show more|top|contact( us)?|about( us)?|faq|help|tags?|categor(y|ies)|"
        r"archives?|page \d+( of \d+)?|\d+|[«»‹›<>←→|]+|table of contents|contents|search for|previous next|"
        r"learn more|in this (article|post|guide)|on this page|jump to( \S+){0,2}|loading( \S+){0,4}|more info"
        r"|startseite|accueil|inicio|главная|ホーム|首页|anmelden|abmelden|connexion|se connecter|iniciar sesión"
        r"|accedi|войти|ログイン|会員登録|登录|注册|suche|rechercher|buscar|поиск|検索|搜索|kontakt|zum inhalt springen"
        r"|aller au contenu|ir al contenido|menü|навигация"
        r"|get in touch|more details|(read |show |view |full )?transcript|listen( now| to (this|the) (article|story"
        r"|episode|podcast))?(\W+\d{1,2}:\d{2}(:\d{2})?)*)\W*$", re.I), 6),
    (BYLINE, re.compile(
        rf"^(by|von|par|por|автор)\s+\S|^(posted|published|updated|written|last updated|posted on|published on)\b"
        rf"|^{DATE}(,?\s+(at\s+)?{_TIME})?\W*$|\b\d+\s+(min(ute)?s?|mins?)\s+read\b"
        r"|\bread(ing)? time\b|^[^.!?]{1,60}\bsays:?$"
        r"|^(about the author|author bio|more (posts|articles) by)\b"
        r"|^\d{4}年\d{1,2}月\d{1,2}日(\s*\d{1,2}時\d{1,2}分)?\W*$", re.I), 20),
    (CREDIT, re.compile(
        r"\b(photo|image|picture|illustration|video|graphic)s?\s*(credit|courtesy|by|:|/)"
        r"|\b(getty images|shutterstock|istock(photo)?|ap photo|reuters|afp|unsplash|pexels|alamy|tass|"
        r"via wikimedia|wikimedia commons|epa|dpa)\b|^credit:|^source:\s|^courtesy( of\s|:)", re.I), 25),
]

#: The line that heads (or closes) one comment of a thread: when it was
#: written ("December 19, 2025, 1:07 pm", "3 days ago"), who wrote it ("by
#: ozmartian ( 5754788 )", "Jane says:"), or its Reply link.
COMMENT_HEADER = re.compile(
    rf"^\s*(about\s+)?(\d+|an?|one)\s+(seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b"
    rf"|{DATE}.*{_TIME}|{_TIME}.*{DATE}"
    r"|^(o\s+)?by\s+\S.{0,60}$|\b(says|said|wrote|writes)\s*:?\s*$"
    r"|^(reply|log in to reply|reply to this.*|reply \u2193|\d+ repl(y|ies))$",
    re.I,
)
#: Headers that are not a comment's: the lines of a quoted e-mail.
_MAIL_HEADER = re.compile(r"^(date|sent|from|to|subject|cc)\s*:", re.I)


def comment_header(text: str, words: int) -> bool:
    """The line heads or closes one comment of a thread (see COMMENT_HEADER)."""
    if words > 16:
        return False
    text = text.strip()
    if words > 8 and text.endswith((".", "!", "?")):
        return False  # a sentence that mentions a date and a time
    if not any(map(str.isdigit, text)):
        # No date, no time: only a byline, a "says:", "an hour ago" or Reply.
        low = text.lower()
        if not (low.startswith(("by ", "o by ", "reply", "log in to reply")) or " ago" in low
                or low.rstrip(": ").endswith(("says", "said", "wrote", "writes"))):
            return False
    return not _MAIL_HEADER.match(text) and bool(COMMENT_HEADER.search(text))


#: Class/id/role words of the elements around a block (lower case), per
#: kind of furniture: words found anywhere in the element's names
#: ("sidebar-widget"), then words that must start a name or a part of one
#: ("nav" in "main-nav" and "navbar", not in "canvas") or stand as one
#: ("ad", not "head"), as a pattern with the words it needs.
HTML_HINTS: list[tuple[str, tuple[str, ...], tuple[tuple[str, ...], re.Pattern[str]] | None]] = [
    (COOKIE, ("cookie", "consent", "gdpr", "onetrust", "cmp-"), None),
    (NEWSLETTER, ("newsletter", "subscribe", "signup", "sign-up", "mailing", "optin", "opt-in", "mc4wp", "mailchimp"),
     None),
    (DONATION, ("donat", "paywall", "membership", "support-us", "patreon"), None),
    (SHARE, ("social", "sharing", "sharedaddy", "addtoany", "a2a", "follow-us"), (("share",), re.compile(r"\bshare"))),
    (COMMENTS, ("comment", "disqus", "respond", "replies"), None),
    (RELATED, ("related", "recommend", "more-stories", "read-more", "readmore", "popular", "trending", "outbrain",
               "taboola", "read-next", "also-read", "jp-relatedposts", "yarpp"), None),
    (ADVERT, ("advert", "sponsor", "promo", "adsense", "ad-slot", "ad-container", "banner"),
     (("ad", "dfp"), re.compile(r"\bads?\b|\bdfp\b"))),
    (BYLINE, ("byline", "author", "post-meta", "entry-meta", "dateline", "timestamp", "published", "posted-on"),
     (("meta",), re.compile(r"\bmeta\b"))),
    (CREDIT, ("credit", "caption", "attribution"), None),
    (LEGAL, ("copyright", "legal", "disclaimer", "disclosure", "colophon"), None),
    (NAVIGATION, ("menu", "breadcrumb", "sidebar", "widget", "masthead", "skip-link", "pagination", "toolbar",
                  "header", "footer", "topbar", "site-title", "logo"), (("nav",), re.compile(r"\bnav"))),
]

#: Structural elements and the furniture they usually hold.
STRUCTURAL = {"nav": NAVIGATION, "footer": LEGAL, "aside": RELATED, "header": NAVIGATION, "form": NEWSLETTER}


# Words one of which must be in a longer block (lower-cased) for its pattern
# to be tried at all: most prose is turned away by a few substring tests.
_KEYWORDS = {
    COOKIE: ("cookie", "consent", "preferences", "クッキー"),
    NEWSLETTER: ("newsletter", "subscri", "sign up", "signing up", "opt in", "mail", "inbox", "by submitting",
                 "by entering", "by clicking", "by registering", "by providing", "been received", "was received",
                 "went wrong", "abonn", "inscrivez", "suscr", "iscriviti", "подпиш", "рассылк", "メールマガジン", "メルマガ",
                 "订阅", "ניוזלטר", "البريدية"),
    DONATION: ("donat", "become a", "support us", "support our", "support the", "support independent",
               "not ready to support", "contribut", "independent journalism", "remind me", "funded", "chip in",
               "coffee", "ko-fi", "patreon", "message from", "dear reader", "spenden", "unterstützen sie",
               "faire un don", "soutenez", "donación", "dona ora", "sostienici", "поддержите", "пожертвова"),
    LEGAL: ("©", "(c)", "copyright", "rights reserved", "privacy policy", "terms of", "terms and", "affiliate",
            "we may earn", "disclosure", "disclaimer", "powered by", "rechte vorbehalten", "droits réservés",
            "derechos reservados", "diritti riservati", "direitos reservados", "права защищены", "版权所有", "無断転載",
            "datenschutz", "impressum", "confidentialité", "mentions légales", "privacidad", "aviso legal",
            "конфиденциальности"),
    BYLINE: ("by ", "von ", "par ", "por ", "автор", "posted", "published", "updated", "written", "min read",
             "about the author", "author bio", "says",
             "mins read", "minute read", "minutes read", "read time", "reading time", "年"),
    CREDIT: ("photo", "image", "picture", "illustration", "video", "graphic", "getty", "shutterstock", "istock",
             "reuters", "afp", "unsplash", "pexels", "alamy", "tass", "wikimedia", "epa", "dpa", "credit:",
             "source:", "courtesy"),
}
# Each pattern, the longest block (in words) it applies to, and the keywords
# one of which a block must hold for it to be tried (None: a short form, see
# _FIRST_WORDS).
_TRIED = [(reason, pattern, longest, _KEYWORDS.get(reason)) for reason, pattern, longest in TEXT_PATTERNS]
_LONGEST = {reason: longest for reason, _pattern, longest in TEXT_PATTERNS}
#: The longest block (in words) any keyed pattern applies to.
_LONGEST_KEYED = max(_LONGEST[r] for r in _KEYWORDS)
assert _LONGEST_KEYED >= 30  # text_reason tries no longer block (short forms: 30 words at most)


def _any_of(words: list[str]) -> re.Pattern[str]:
    """A pattern that finds any of `words` (literal): one branch per first
    character, which the regex engine rejects much faster than a flat list."""
    by_first: dict[str, list[str]] = {}
    for w in sorted(set(words), key=len, reverse=True):
        by_first.setdefault(w[0], []).append(re.escape(w[1:]))
    return re.compile("|".join(f"{re.escape(c)}(?:{'|'.join(rest)})" for c, rest in by_first.items()))


_ANY_KEYWORD = _any_of([k for ks in _KEYWORDS.values() for k in ks])
_MONTH3 = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())
#: Reasons whose pattern is anchored at both ends, tried on short blocks only,
#: and the first words their phrases can start with.
_FIRST_WORDS = {
    SHARE: """share shares tweet pin email e-mail print copy link whatsapp facebook twitter x linkedin reddit
        pinterest telegram flipboard messenger bluesky threads instagram youtube tiktok mastodon rss feed follow
        click like teilen artikel partager compartir condividi поделиться 分享 シェア ツイート""",
    RELATED: """read related more you recommended see popular trending most latest also keep continue up what
        further top mehr weiterlesen lesen auch das à lire sur leer lee te leggi читайте читать похожие 関連記事
        相关文章 相关阅读 推荐阅读""",
    COMMENTS: """comment comments response responses replies leave reply post add join show view be cancel submit
        log kommentar kommentare commentaire commentaires comentario comentarios commenti комментарии комментариев
        комментарий コメント 评论""",
    ADVERT: """advertisement advertising sponsored ad ads promoted partner story scroll anzeige реклама 广告 buy check shop
        book see view compare track where best price get visit""",
    NAVIGATION: """skip menu main home search log login logout sign register next previous prev back close toggle
        open more older newer load view see show go scroll return top contact about faq help tag tags category categories
        archive archives page table contents learn in on jump loading get read full transcript listen startseite
        accueil inicio главная ホーム 首页 anmelden abmelden connexion se iniciar accedi войти ログイン 会員登録 登录 注册
        suche rechercher buscar поиск 検索 搜索 kontakt zum aller ir menü навигация""",
}
_STARTS: dict[str, set[str]] = {}
for _reason, _words in _FIRST_WORDS.items():
    for _w in _words.split():
        _STARTS.setdefault(_w, set()).add(_reason)
_NUMBERISH = frozenset((NAVIGATION, COMMENTS))
_EDGE = " \t.,:;!?\"'()[]{}*\u2026\u00bb\u00ab\u203a\u2039>-|\u2192"


def _short_candidates(low: str) -> set[str] | frozenset[str]:
    first = low.split(None, 1)[0] if low else ""
    if not first:
        return frozenset()
    if first[0].isdigit() or first[0] in "\u00ab\u00bb\u2039\u203a<>\u2190\u2192|":
        return _NUMBERISH
    return _STARTS.get(first.strip(_EDGE), frozenset())


#: What separates the items of a menu or a row of buttons written on one line.
_SEPARATOR = re.compile(r"\s[|\u00b7\u2022/]\s")
#: The short forms a row of such items may be made of.
_LISTED = frozenset((SHARE, NEWSLETTER, NAVIGATION, RELATED, COMMENTS))


def listed_reason(text: str) -> str:
    """The furniture a one-line row of items names ("Subscribe | Feed |
    Bluesky"), when every item is furniture on its own; else ""."""
    parts = _SEPARATOR.split(text)
    if len(parts) < 2 or "\n" in text:
        return ""
    reasons = []
    for part in parts:
        words = len(part.split())
        reason = text_reason(part, words) if 0 < words <= 4 else ""
        if reason not in _LISTED:
            return ""
        reasons.append(reason)
    return SHARE if SHARE in reasons else reasons[0]


#: A menu copied as one line, in any language: three or more short items
#: between bars or dots ("Home | News | Culture", "\u05d3\u05e3 \u05d4\u05d1\u05d9\u05ea | \u05d7\u05d3\u05e9\u05d5\u05ea | ..."): never a headline.
MENU_LINE = re.compile(r"^[^|\u00b7\u2022]{1,25}(?: [|\u00b7\u2022] [^|\u00b7\u2022]{1,25}){2,}$")

#: A one-line menu of names: three or more items of a word or two (none
#: ending a sentence) between bars or dots. A sentence never reads so.
MENU_OF_NAMES = re.compile(r"^[^\W\d][^\s|\u00b7\u2022.!?]*(?: [^\s|\u00b7\u2022.!?]+)?"
                            r"(?: [|\u00b7\u2022] [^\W\d][^\s|\u00b7\u2022.!?]*(?: [^\s|\u00b7\u2022.!?]+)?){2,}$")

#: A breadcrumb trail on one line: "Home > Blog > A title", "Home » News",
#: "Home / Tips /" (a slash only between spaces or before another slash:
#: not "Home/work balance").
BREADCRUMBS = re.compile(r"^(home|startseite|accueil|inicio|главная)(\s*[>»›▸\\]|\s+/(\s|$)|/[^/]*/)", re.I)
#: The most words of a breadcrumb trail (its last step may be a long title).
_TRAIL_WORDS = 30
_TRAIL_STEP = re.compile(r"\s*[>»›▸|\\]\s*|\s+/\s+|/")


def trail_end(text: str) -> str:
    """The last step of a breadcrumb trail ("Home > Blog > A title": "A title")."""
    steps = [step.strip() for step in _TRAIL_STEP.split(text)]
    return next((step for step in reversed(steps) if step), "")


#: Pictographs a line of furniture may start with ("🔊 Listen to this
#: article", "👉 Read more", "✉ Subscribe"), and the spaces after them.
_LEADING_SYMBOLS = re.compile("[\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f\u200d]+\\s*")


def text_reason(text: str, words: int, low: str | None = None) -> str:
    """The kind of furniture a block's words name, or "". `low`: the text
    in lower case, when the caller has it."""
    if text[:1] >= "\u2300" and words <= 30:
        m = _LEADING_SYMBOLS.match(text)
        if m and m.end() < len(text):
            # Read as the words after the pictographs.
            return text_reason(text[m.end():], words - len(text[:m.end()].split()))
    if words <= _TRAIL_WORDS and BREADCRUMBS.match(text) and not text.endswith("."):
        return NAVIGATION
    # (The separators' characters looked for first: most blocks have none.)
    if (3 <= words <= 30 and ("|" in text or "/" in text or "\u00b7" in text or "\u2022" in text)
            and _SEPARATOR.search(text)):
        listed = listed_reason(text)
        if listed:
            return listed
        if MENU_OF_NAMES.match(text):
            return NAVIGATION  # "Home | News | Sport", "Politics \u00b7 Economy \u00b7 World"
    if words > _LONGEST_KEYED:
        return ""  # longer than any pattern applies to (short forms included)
    if low is None:
        low = text.lower()
    short = _short_candidates(low) if words <= 30 else frozenset()
    # Whether the block holds any keyword, or starts as a date line: most
    # prose does neither, and is done with here.
    keyed = _ANY_KEYWORD.search(low) is not None
    dated = text[:1].isdigit() or low[:3] in _MONTH3
    if not short and not keyed and not dated:
        return ""
    has = low.__contains__
    for reason, pattern, longest, keywords in _TRIED:
        if words > longest:
            continue
        if keywords is None:
            if reason in short and pattern.match(text):
                return reason
        elif ((keyed and any(map(has, keywords))) or (dated and reason == BYLINE)) and pattern.search(text):
            return reason
    return ""


#: Each hint word of HTML_HINTS and its kind, and a pattern that finds each
#: place one starts (a lookahead: words that overlap, "consentrending", are
#: all found; no hint word starts another of a different kind, which
#: tests/core/test_fold.py checks).
_HINT_KIND = {w: reason for reason, words, _b in HTML_HINTS for w in words}
_HINT_STARTS = re.compile(f"(?=({_any_of(list(_HINT_KIND)).pattern}))")
_BOUNDED_HINTS = [(reason, b[0], b[1]) for reason, _w, b in HTML_HINTS if b is not None]
_HINT_ORDER = {reason: k for k, (reason, _w, _b) in enumerate(HTML_HINTS)}


@lru_cache(maxsize=16384)
def hints_of(tokens: str) -> tuple[str, ...]:
    """Every kind of furniture one element's class/id words name, in
    HTML_HINTS' order: the hint words found in one pass, then a pattern only
    where its words stand."""
    found = set(map(_HINT_KIND.__getitem__, _HINT_STARTS.findall(tokens)))
    has = tokens.__contains__
    for reason, words, pattern in _BOUNDED_HINTS:
        if reason not in found and any(map(has, words)) and pattern.search(tokens):
            found.add(reason)
    return tuple(sorted(found, key=_HINT_ORDER.__getitem__)) if found else ()


def hint_of(tokens: str) -> str:
    """The furniture one element's class/id words name (the first in
    HTML_HINTS' order when they name several), or ""."""
    hints = hints_of(tokens)
    return hints[0] if hints else ""


def html_reason(stack: tuple[tuple[str, str], ...]) -> str:
    """The kind of furniture the nearest telling ancestor of a block names."""
    for tag, tokens in reversed(stack):
        if tokens:
            reason = hint_of(tokens)
            if reason:
                return reason
        if tag in STRUCTURAL:
            return STRUCTURAL[tag]
    return ""
