"""The name lexicon behind :mod:`privacy.deid.names`: first and last names, common words,
and the class of every known word (a strong name, a name that is also a word, an eponym,
an abbreviation, or never a name).

The names come from Faker's person-name tables (en_US, en_GB, en_IE, en_IN, es_MX, es_ES,
de_DE, fr_FR, it_IT, pt_BR, nl_NL, vi_VN and the romanised zh_CN, zh_TW and ja_JP lists);
its English word lists (lorem, jobs, company phrases) supply common words. Faker is MIT
licensed (Copyright (c) 2012 Daniele Faraglia); the tables are read from the installed
package, not copied here.
"""

from __future__ import annotations

import importlib
import re
from importlib import resources

from privacy.deid.protect import ABBREVIATIONS, CLINICAL_WORDS, EPONYMS, PROTECTED_TERMS

__all__ = [
    "ABBR", "BLOCK", "COMMON_WORDS", "EPONYM", "FIRST_NAMES", "LAST_NAMES", "LEXICON", "NAME_STOPWORDS",
    "NEVER_NAMES", "SOFT", "STRONG", "US_NAMES", "WORD_CLASS", "word_set",
]


def word_set(text: str) -> frozenset[str]:
    """The blank-separated words of ``text``."""
    return frozenset(text.split())


# --- lexicon -----------------------------------------------------------------------------

_LOCALES = ("en_US", "en_GB", "en_IE", "en_IN", "es_MX", "es_ES", "de_DE", "fr_FR", "it_IT", "pt_BR",
            "nl_NL", "vi_VN", "zh_CN", "zh_TW", "ja_JP")

# Common names that Faker's tables lack (Korean, Arabic, South Asian, Vietnamese romanisations).
_EXTRA_FIRST = word_set("""
mohammed mohammad muhammad mohamed ahmed ahmad ali hassan hussein omar fatima aisha yusuf ibrahim
mustafa khalid tariq samir amir nadia leila layla yasmin jin min-jun seo-yeon ji-woo hyun soo-jin
wei li-na xiao ming jun hao yan mei ling priya anil sunil rajesh ramesh suresh deepak vijay anjali
pooja sanjay arjun ravi amit rahul neha kavita sunita thanh minh linh trang huong tuan dung
""")
_EXTRA_LAST = word_set("""
kim park choi jung jeong kang cho yoon jang lim han oh seo shin kwon hwang ahn song yoo hong nguyen
tran pham hoang huynh phan vu vo dang bui do ngo duong ly patel shah singh kumar sharma gupta reddy
rao iyer nair menon das chowdhury khan siddiqui qureshi hussain rahman chaudhry malik akhtar
abdullah wang zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo zheng liang xie
tang tanaka watanabe yamamoto nakamura kobayashi kato yoshida yamada sasaki yamaguchi matsumoto
""")

# Common English words (and place names) that are also in the name tables. They are names
# only with a title or context cue, or next to another name token ("Mark Brown").
NAME_STOPWORDS: frozenset[str] = word_set("""
will may can june april august autumn summer winter spring dawn eve hope faith joy grace mercy
charity patience prudence honor honour chance destiny trinity heaven sky rain storm river brook
brooke lake forest woods wood hill hills dale glen field fields moss stone rock flint clay sandy
coral pearl ruby amber jade crystal diamond ivy holly rose lily daisy violet iris poppy olive hazel
fern heather laurel myrtle sage basil ginger pepper honey candy cookie penny goldie sunny star bliss
happy merry bunny kitty buddy rusty dusty cash price rich sterling major king prince duke earl baron
knight bishop pope dean chancellor marshal judge sheriff page porter butler cook baker miller fisher
hunter farmer gardener carpenter mason turner walker weaver cooper potter archer bowman shepherd
sawyer wheeler thatcher fletcher chandler slater glover parker carter tanner fowler ward steward
marshall banks bank bond booth hall house church chapel castle tower bridge bridges street lane wall
walls gates gate well wells ford bay shore beach north south east west brown green white black gray
grey red blue gold golden silver scarlet young long short small little strong good best sharp bright
wise fair gay sweet moody noble savage light early swift quick strange wild bold keen hardy proud
lucky gentle case key day law job lot ring mark marks bill grant don guy art frank pat sue rob bob
bud chip chuck dick rod jack ray gene herb cliff drew lance miles wade rocky forrest skip sonny
dusty chase love moon sun snow frost cross church post block clear date drop fall fit floor fresh
front power powers carry deep man room van hood font dash company till fee harm kick junk story
water park bell song rice glass glasses house lamb wolf fox bird swan crane finch sparrow robin hawk
jay lark martin peacock drake bear buck hart hurt colon cousin cousins doctor nurse patient early
else such more an the he she her him his it its so an am are is was were be being been do did does
had has have having me my mine we our you your they them their this that these those there then than
what who whom whose which when where why how all any both each few other some no nor not only own
same too very just now also back down up out off over under again further once here even still well
way new old first last next best less least much many most per via vs via to in on at by for from
with about into onto upon within without between among and or but if because as until while after
before during since against above below monday tuesday wednesday thursday friday saturday sunday
january february march july september october november december jan feb mar apr jun jul aug sep sept
oct nov dec virginia georgia carolina florida dakota montana nevada indiana arizona texas kansas
maryland washington jackson lincoln madison austin dallas houston denver phoenix orlando charlotte
savannah cleveland jordan paris london berlin victoria sydney camden chester york christian jesus
christ god lord allah angel angels saint saints santa max min mid pro con cap tab lab labs meta norm
gross net amin mu pi vera english french german irish scott welsh dutch roman hospital clinic
medical center health general memorial regional university family community cases edit stack beer
branch lips foster bones cord smart pin cruise gall warmer die grand moles mall chin aura tan pages
mate fan brands bath drum rush veer elder peer holder ties master bail sole sane freely ping convey
flood rout rust cherry ridge pace hull jet mast tank hare watts combs mountain brick herring salmon
curry dam bull wit gang india dang supple care service services unit ward floor office home admin
""")

_LATIN = re.compile(r"[a-zà-öø-ÿ'’-]+")
_PARTICLES = word_set("""
de del della di da van von der den le la du dos das st
""")


def _faker_names() -> tuple[frozenset[str], frozenset[str]]:
    """Lower-case first and last names from Faker's person tables (alphabetic parts only)."""
    first: set[str] = set(_EXTRA_FIRST)
    last: set[str] = set(_EXTRA_LAST)
    part_re = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
    for locale in _LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # pragma: no cover - a Faker without this locale
            continue
        for attr, value in vars(provider).items():
            if attr.startswith("_") or not isinstance(value, (dict, tuple, list)):
                continue
            if attr.startswith(("first_name", "first_romanized")):
                target = first
            elif attr.startswith(("last_name", "last_romanized")) or attr.endswith("last_names"):
                target = last
            else:
                continue
            for name in value:
                if not isinstance(name, str):
                    continue
                for part in part_re.findall(name.lower()):
                    if len(part) >= 2 and _LATIN.fullmatch(part):  # Latin script only
                        target.add(part)
                        if "-" in part:
                            target.update(p for p in part.split("-") if len(p) >= 2)
    return frozenset(first - _PARTICLES), frozenset(last - _PARTICLES)


def _data_words(name: str) -> frozenset[str]:
    """Lower-case words of a data file (one a line, ``#`` comments)."""
    text = resources.files("privacy.deid").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#")


def _faker_words() -> frozenset[str]:
    """Common English words from Faker's en_US word lists (lorem, jobs, company phrases)."""
    words: set[str] = set()
    sources = (("faker.providers.lorem.en_US", ("word_list",)), ("faker.providers.job.en_US", ("jobs",)),
               ("faker.providers.company.en_US", ("catch_phrase_words", "bsWords")))
    for module_name, attrs in sources:
        try:
            provider = importlib.import_module(module_name).Provider
        except ImportError:  # pragma: no cover
            continue
        for attr in attrs:
            value = getattr(provider, attr, ())
            stack = list(value)
            while stack:
                item = stack.pop()
                if isinstance(item, (list, tuple)):
                    stack.extend(item)
                elif isinstance(item, str):
                    words.update(w.lower() for w in re.findall(r"[A-Za-z]+", item))
    return frozenset(words)


# Words of clinical notes and conversation that are never names (beyond Faker's lists).
_NOTE_WORDS = word_set("""
patient patients pt pts doctor doctors dr nurse nurses family families wife husband son daughter
mother father mom dad brother sister friend neighbor neighbour aunt uncle cousin niece nephew
grandson granddaughter grandmother grandfather grandma grandpa spouse partner caregiver guardian
history plan assessment impression diagnosis diagnoses medications medication meds allergies allergy
vitals vital signs labs imaging procedure procedures followup follow disposition review systems
social surgical past chief complaint present illness hpi subjective objective exam physical general
constitutional respiratory cardiovascular neurological psychiatric skin extremities musculoskeletal
genitourinary gastrointestinal endocrine hematologic lymphatic allergic immunologic note notes
addendum signed signature attestation discussed seen called paged notified informed denies reports
states presents presented returns returned admits admitted discharged transferred referred continue
continued start started stop stopped hold held increase decrease change changed resume resumed order
ordered check checked obtain obtained consider considered schedule scheduled discuss call return
returning arrive arrived visit visits appointment appt telephone phone encounter message left
voicemail questions answered updated update bedside shift handoff change yes yeah yep no nope okay
ok alright sure right thanks thank please hello hi hey bye goodbye good morning afternoon evening
night today tomorrow yesterday tonight week weeks month months year years um uh hmm oh ah wow well
so now then sir madam maam miss mister guest also anyway anything something nothing everything
somebody someone nobody everyone everybody let lets can't don't won't i'm i've i'd i'll you're we're
they're it's that's there's what's tylenol advil motrin aleve
""")

FIRST_NAMES, LAST_NAMES = _faker_names()
# Names common in the US (Faker's en_US tables): a short upper-case token alone in ALL-CAPS text
# ("AMY", but not "RAI") must be one of them.
US_NAMES: frozenset[str] = frozenset(
    n.lower() for attr in ("first_names", "last_names")
    for n in getattr(importlib.import_module("faker.providers.person.en_US").Provider, attr))
LEXICON: frozenset[str] = FIRST_NAMES | LAST_NAMES
COMMON_WORDS: frozenset[str] = _faker_words() | _NOTE_WORDS | NAME_STOPWORDS | CLINICAL_WORDS | (
    _data_words("common_words.txt") - LEXICON)

# Token classes for lexicon lookups (by lower-case token).
STRONG, SOFT, EPONYM, ABBR, BLOCK = 1, 2, 3, 4, 5


_TITLE_WORDS = word_set("""
dr doctor doctors mr mrs ms miss mister mx prof professor nurse patient pt sister sir madam maam
""")


def _classify(low: str) -> int | None:
    if low in _TITLE_WORDS:
        return BLOCK
    if low in EPONYMS:
        return EPONYM
    if low in PROTECTED_TERMS:
        # An acronym only ("TIA", "ANA", "TED") can still be a given name written Titlecase.
        only_abbrev = low in ABBREVIATIONS and low not in CLINICAL_WORDS and low not in _NOTE_WORDS
        return ABBR if only_abbrev and low in LEXICON and low not in NAME_STOPWORDS else BLOCK
    if low in NAME_STOPWORDS or low in _NOTE_WORDS:
        return SOFT if low in LEXICON else BLOCK
    if low in LEXICON:
        return SOFT if low in COMMON_WORDS else STRONG
    return None


WORD_CLASS: dict[str, int] = {}
for _word in LEXICON | COMMON_WORDS | PROTECTED_TERMS:
    _cls = _classify(_word)
    if _cls is not None:
        WORD_CLASS[_word] = _cls
del _word, _cls

# Pure function words: never a name, not even after a title ("Dr. The ...").
NEVER_NAMES = word_set("""
the a an and or but if of to in on at by for from with as is are was were be been am it its he she
his her him they them their we our you your i me my this that these those there here what who which
when where why how not no yes so do does did has have had will would can could should may might must
shall let also just very per via re oh ah um uh hi hey hello yes yeah ok okay well sir maam ma'am
dear thanks thank please sorry dr doctor mr mrs ms miss mister mx prof professor nurse patient pt
""")
