"""Uzbek Latin written in Cyrillic: words checked against their accepted spellings (the Uzbek Cyrillic orthography,
official texts), and the portal's Uzbek Cyrillic catalogues as the conversion makes them, without the wrong forms
it once wrote."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from portal.catalogs import po_path, read
from portal.i18n import DOMAINS
from portal.uzbek_cyrillic import EXCEPTIONS, to_cyrillic

LETTERS = [  # one Latin letter or pair, one Cyrillic letter
    ("shahar", "шаҳар"), ("choy", "чой"), ("oʻzbek", "ўзбек"), ("Oʻzbekiston", "Ўзбекистон"), ("gʻalaba", "ғалаба"),
    ("togʻ", "тоғ"), ("qishloq", "қишлоқ"), ("hokim", "ҳоким"), ("xalq", "халқ"), ("jamiyat", "жамият"),
    ("ogʻir", "оғир"), ("bogʻliq", "боғлиқ"), ("notoʻgʻri", "нотўғри"), ("toʻgʻrisida", "тўғрисида"),
    ("qoʻngʻiroq", "қўнғироқ"), ("oʻrtogʻi", "ўртоғи"), ("boʻyicha", "бўйича"), ("koʻp", "кўп"),
    ("soʻrov", "сўров"), ("zoʻravonlik", "зўравонлик"), ("mashgʻulot", "машғулот"), ("koʻrsatkich", "кўрсаткич"),
    ("mashhur", "машҳур"), ("Isʼhoq", "Исҳоқ"), ("shaxs", "шахс"), ("chiqish", "чиқиш"),
]
Y_VOWELS = [  # ya, yo, yu, ye: я, ё, ю, е; yoʻ: йў
    ("yangi", "янги"), ("yoz", "ёз"), ("yozuv", "ёзув"), ("yulduz", "юлдуз"), ("yuz", "юз"), ("yetti", "етти"),
    ("yer", "ер"), ("yechim", "ечим"), ("ayol", "аёл"), ("qayerda", "қаерда"), ("oyoq", "оёқ"), ("tayyor", "тайёр"),
    ("ixtiyoriy", "ихтиёрий"), ("giyohvand", "гиёҳванд"), ("qiyin", "қийин"), ("yoʻl", "йўл"), ("yoʻq", "йўқ"),
    ("yoʻnaltirish", "йўналтириш"), ("yodgorlik", "ёдгорлик"), ("shikoyat", "шикоят"), ("viloyat", "вилоят"),
    ("menyu", "меню"), ("kliyent", "клиент"), ("familiya", "фамилия"), ("yakshanba", "якшанба"),
]
E = [  # э at a word's start and after a vowel, е after a consonant
    ("erkak", "эркак"), ("eski", "эски"), ("eng", "энг"), ("emas", "эмас"), ("eslatma", "эслатма"), ("ega", "эга"),
    ("ertaga", "эртага"), ("elektron", "электрон"), ("Eshmatov", "Эшматов"), ("poeziya", "поэзия"),
    ("aeroport", "аэропорт"), ("duet", "дуэт"), ("kelgan", "келган"), ("keyin", "кейин"), ("bermadi", "бермади"),
    ("voqea", "воқеа"), ("reja", "режа"), ("telefon", "телефон"),
]
APOSTROPHE = [  # ʼ is ъ; any mark typed for ʻ after o and g is the letter
    ("maʼlumot", "маълумот"), ("taʼlim", "таълим"), ("masʼul", "масъул"), ("eʼlon", "эълон"),
    ("isteʼmol", "истеъмол"), ("yaʼni", "яъни"), ("nomaʼlum", "номаълум"), ("sanʼat", "санъат"), ("maʼno", "маъно"),
    ("qurʼon", "қуръон"), ("jamʼ", "жамъ"), ("ma'lumot", "маълумот"), ("ma’lumot", "маълумот"),
    ("o'zbek", "ўзбек"), ("o‘zbek", "ўзбек"), ("o’zbek", "ўзбек"), ("g'oya", "ғоя"), ("Is'hoq", "Исҳоқ"),
]
MONTHS = [  # a month's soft sign is not written before a suffix (7 февралдаги)
    ("yanvar", "январь"), ("fevral", "февраль"), ("mart", "март"), ("aprel", "апрель"), ("may", "май"),
    ("iyun", "июнь"), ("iyul", "июль"), ("avgust", "август"), ("sentabr", "сентябрь"), ("oktabr", "октябрь"),
    ("noyabr", "ноябрь"), ("dekabr", "декабрь"), ("Sentabr", "Сентябрь"), ("yanvardan", "январдан"),
    ("fevraldagi", "февралдаги"), ("martda", "мартда"), ("apreldan", "апрелдан"), ("mayda", "майда"),
    ("iyunda", "июнда"), ("iyulgacha", "июлгача"), ("avgustda", "августда"), ("sentabrda", "сентябрда"),
    ("oktabrdan", "октябрдан"), ("noyabrgacha", "ноябргача"), ("dekabrdagi", "декабрдаги"),
]
TSE = [  # ц in loanwords, written ts or s in Latin
    ("politsiya", "полиция"), ("Politsiya", "Полиция"), ("politsiyaga", "полицияга"),
    ("politsiyasi", "полицияси"), ("militsiya", "милиция"), ("identifikatsiya", "идентификация"),
    ("identifikatsiyasi", "идентификацияси"), ("autentifikatsiya", "аутентификация"),
    ("reabilitatsiya", "реабилитация"), ("konsultatsiya", "консультация"), ("operatsiya", "операция"),
    ("operatsion", "операцион"), ("konstitutsiya", "конституция"), ("organizatsiya", "организация"),
    ("informatsiya", "информация"), ("pozitsiya", "позиция"), ("sotsial", "социал"), ("sotsiolog", "социолог"),
    ("spetsialist", "специалист"), ("patsiyent", "пациент"), ("aksiya", "акция"), ("aksiyalar", "акциялар"),
    ("stansiya", "станция"), ("funksiya", "функция"), ("tendensiya", "тенденция"), ("korreksiya", "коррекция"),
    ("korreksion", "коррекцион"), ("inspeksiya", "инспекция"), ("instruksiya", "инструкция"),
    ("konferensiya", "конференция"), ("kompetensiya", "компетенция"), ("seksiya", "секция"),
    ("litsenziya", "лицензия"), ("litsey", "лицей"), ("prinsip", "принцип"), ("konsert", "концерт"),
    ("protsent", "процент"), ("protsess", "процесс"), ("protsedura", "процедура"), ("ofitser", "офицер"),
    ("dotsent", "доцент"), ("sentr", "центр"), ("Fransiya", "Франция"), ("Tsoy", "Цой"),
]
S_AND_TS = [  # a real с, and т and с that a suffix brings together
    ("versiya", "версия"), ("versiyasi", "версияси"), ("pensiya", "пенсия"), ("sessiya", "сессия"),
    ("komissiya", "комиссия"), ("Rossiya", "Россия"), ("Osiyo", "Осиё"), ("depressiya", "депрессия"),
    ("agressiya", "агрессия"), ("agressiv", "агрессив"), ("diskussiya", "дискуссия"), ("ketsa", "кетса"),
    ("aytsin", "айтсин"), ("oʻtsa", "ўтса"), ("tutsa", "тутса"), ("sirka", "сирка"), ("seans", "сеанс"),
]
SIGNS = [  # ь and ъ in loanwords; a soft sign at the end is not written before a suffix
    ("parol", "пароль"), ("parolni", "паролни"), ("parolingiz", "паролингиз"), ("rol", "роль"),
    ("rolingiz", "ролингиз"), ("modul", "модуль"), ("modulingizni", "модулингизни"), ("persentil", "перцентиль"),
    ("panel", "панель"), ("paneli", "панели"), ("kontrol", "контроль"), ("model", "модель"), ("albom", "альбом"),
    ("albomlar", "альбомлар"), ("film", "фильм"), ("filmlar", "фильмлар"), ("filtr", "фильтр"),
    ("filtrlarni", "фильтрларни"), ("fakultet", "факультет"), ("avtomobil", "автомобиль"),
    ("kompyuter", "компьютер"), ("kompyuterda", "компьютерда"), ("intervyu", "интервью"), ("premyera", "премьера"),
    ("obyekt", "объект"), ("obyektiv", "объектив"), ("subyekt", "субъект"), ("budjet", "бюджет"),
    ("stajor", "стажёр"), ("rayon", "район"), ("mayor", "майор"),
]
FIELD = [  # the words of this domain, and of the portal's pages
    ("psixolog", "психолог"), ("psixologik", "психологик"), ("psixiatr", "психиатр"),
    ("psixoterapevt", "психотерапевт"), ("inspektor", "инспектор"), ("inspektori", "инспектори"),
    ("profilaktika", "профилактика"), ("prokuratura", "прокуратура"), ("prokuror", "прокурор"), ("sud", "суд"),
    ("advokat", "адвокат"), ("tergovchi", "терговчи"), ("jinoyat", "жиноят"), ("order", "ордер"),
    ("orderini", "ордерини"), ("himoya", "ҳимоя"), ("jabrlanuvchi", "жабрланувчи"), ("ishtirokchi", "иштирокчи"),
    ("davomat", "давомат"), ("xavf", "хавф"), ("ogohlantirish", "огоҳлантириш"), ("mahalla", "маҳалла"),
    ("tuman", "туман"), ("dastur", "дастур"), ("guruh", "гуруҳ"), ("xodim", "ходим"), ("rahbar", "раҳбар"),
    ("qaror", "қарор"), ("hujjat", "ҳужжат"), ("ijtimoiy", "ижтимоий"), ("tibbiy", "тиббий"), ("Inson", "Инсон"),
    ("foydalanuvchi", "фойдаланувчи"), ("sahifa", "саҳифа"), ("tizim", "тизим"), ("hisobot", "ҳисобот"),
    ("oilaviy", "оилавий"), ("soat", "соат"), ("faol", "фаол"), ("taalluqli", "тааллуқли"), ("rioya", "риоя"),
    ("daqiqa", "дақиқа"), ("hafta", "ҳафта"), ("yil", "йил"), ("dushanba", "душанба"), ("seshanba", "сешанба"),
    ("chorshanba", "чоршанба"), ("payshanba", "пайшанба"), ("juma", "жума"), ("shanba", "шанба"),
    ("protokol", "протокол"), ("sertifikat", "сертификат"), ("monitoring", "мониторинг"), ("trening", "тренинг"),
    ("administrator", "администратор"), ("respublika", "республика"), ("pasport", "паспорт"),
    ("brauzer", "браузер"), ("audit", "аудит"), ("jurnal", "журнал"), ("kanal", "канал"), ("portal", "портал"),
    ("diagramma", "диаграмма"), ("mediana", "медиана"), ("shablon", "шаблон"), ("fayl", "файл"), ("kod", "код"),
    ("dispetcher", "диспетчер"), ("million", "миллион"),
]
PLACES_AND_NAMES = [
    ("Toshkent", "Тошкент"), ("Nukus", "Нукус"), ("Buxoro", "Бухоро"), ("Gʻijduvon", "Ғиждувон"), ("Kogon", "Когон"),
    ("Xoʻjayli", "Хўжайли"), ("Amudaryo", "Амударё"), ("Qoraoʻzak", "Қораўзак"),
    ("Qoraqalpogʻiston", "Қорақалпоғистон"), ("Samarqand", "Самарқанд"), ("Fargʻona", "Фарғона"),
    ("Andijon", "Андижон"), ("Navoiy", "Навоий"), ("Xorazm", "Хоразм"), ("Jizzax", "Жиззах"),
    ("Sirdaryo", "Сирдарё"), ("Qashqadaryo", "Қашқадарё"), ("Yusupov", "Юсупов"), ("Oʻtkir", "Ўткир"),
    ("Gʻayrat", "Ғайрат"), ("Yelena", "Елена"), ("Sergey", "Сергей"), ("Aleksey", "Алексей"),
]
WORDS = LETTERS + Y_VOWELS + E + APOSTROPHE + MONTHS + TSE + S_AND_TS + SIGNS + FIELD + PLACES_AND_NAMES


def test_at_least_two_hundred_words_are_checked():
    assert len({latin for latin, _ in WORDS}) >= 200


@pytest.mark.parametrize(("latin", "cyrillic"), WORDS, ids=[latin for latin, _ in WORDS])
def test_a_word_is_written_as_uzbek_cyrillic_writes_it(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


def test_every_exception_is_a_lower_case_stem_with_its_cyrillic():
    for latin, cyrillic in EXCEPTIONS.items():
        assert latin == latin.lower() and re.fullmatch(r"[a-zʻʼ]+", latin), latin
        assert re.fullmatch(r"[а-яёўқғҳ]+", cyrillic), cyrillic


@pytest.mark.parametrize(("latin", "cyrillic"), [
    ("Politsiya %(name)s haqida xabar berdi.", "Полиция %(name)s ҳақида хабар берди."),
    ("E-mail manzilini name@example.uz koʻrinishida yozing.", "E-mail манзилини name@example.uz кўринишида ёзинг."),
    ("Ilova (Google Authenticator, Microsoft Authenticator, FreeOTP)",
     "Илова (Google Authenticator, Microsoft Authenticator, FreeOTP)"),
    ("Kod, JSHSHIR yoki ism", "Код, ЖШШИР ёки исм"),
    ("JSHSHIRni kiriting", "ЖШШИРни киритинг"), ("QR-kodni skanerlang", "QR-кодни сканерланг"),
    ("SMSlar IN-0042 uchun", "SMSлар IN-0042 учун"),
    ("<b>Sentabr</b>dan {count} ta SMS", "<b>Сентябрь</b>дан {count} та SMS"),
    ("'Saqlash' tugmasini bosing", "'Сақлаш' тугмасини босинг"),
    ("Qadam: https://qadam.example/ack?x=1 90-persentil", "Qadam: https://qadam.example/ack?x=1 90-перцентиль"),
    ("2019-yil 2-sentabrdagi qonun", "2019-йил 2-сентябрдаги қонун"),
])
def test_placeholders_markup_addresses_and_codes_stay_as_they_are(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


def _cyrillic_messages() -> list[tuple[str, str, str]]:
    out = []
    for domain in DOMAINS:
        with po_path("uz_Cyrl", domain).open("rb") as f:
            out += [(domain, str(m.id), str(m.string)) for m in read_po(f) if m.id and m.string]
    return out


def test_no_cyrillic_catalogue_message_holds_a_known_wrong_form():
    wrong = re.compile(r"тсия|тсион|Политс|[Пп]ерсентил|\b[Пп]арол\b|\b[Рр]ол\b|\b[Мм]одул\b|\b[Яя]нвар\b|"
                       r"\b[Сс]ентабр|\b[Оо]ктабр|наме@|Гоогле|Мицрософт|Аутҳентицатор|Фреэ|[Фф]илтр")
    assert [(d, msgid, text) for d, msgid, text in _cyrillic_messages() if wrong.search(text)] == []


def test_the_cyrillic_catalogues_are_the_latin_ones_converted():
    stale = []
    for domain in DOMAINS:
        latin = {str(m.id): str(m.string) for m in read("uz_Latn", domain) if m.id}
        for m in read("uz_Cyrl", domain):
            if m.id and str(m.string) != (to_cyrillic(latin[str(m.id)]) if latin.get(str(m.id)) else ""):
                stale.append((domain, m.id))
    assert stale == [], "run `python -m portal.catalogs cyrillic`"
