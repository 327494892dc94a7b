"""What a notification says, in its recipient's language: the templates as data, one dictionary a language.

A message names a participant by his code only, with the level, the reason and links into Qadam: the templates
have no place for a name and `render` takes no field that could hold one. Every e-mail says the message is
decision support, not a prediction, and ends by saying it carries no names and must stay inside the service.
The short text (SMS, Telegram) keeps its links whole and shortens the reason instead.

Placeholders: the fields a kind takes (`KINDS`), and what `render` derives from them: `{level}` / `{LEVEL}` (the
level's word, and in capitals), `{from_level}`, `{role}`, `{waited}` (minutes as the language writes a
duration), `{details}` (the rule's title and the reason, one a line), `{about}` (the rule's title when a
`rule_id` is given, else the reason: what a short text says), `{items}` and `{count}` (a digest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qadam_contracts.vocabulary import FLAG_LEVELS, LANGUAGES

SHORT_MAX = 480  # characters of an SMS or Telegram text


@dataclass(frozen=True)
class Message:
    """One notification as its recipient reads it, in their language, with no names in it."""

    subject: str  # e-mail subject
    text: str  # full plain text (e-mail body)
    short: str  # SMS / Telegram text, at most SHORT_MAX characters

DEFAULT_LANGUAGE = "uz-Latn"
LEVELS = FLAG_LEVELS
ALERT_FIELDS = ("participant_code", "level", "reason", "link", "ack_link")
KINDS: dict[str, tuple[str, ...]] = {  # the fields each kind requires
    "alert": ALERT_FIELDS,
    "reminder": (*ALERT_FIELDS, "minutes"),
    "escalation": (*ALERT_FIELDS, "minutes", "role"),
    "level_rise": ("participant_code", "from_level", "level", "link"),
    "digest": ("day", "items", "link"),
    "safety_notice": ("participant_code", "notice", "link"),  # her support worker: a code, what happened, a link
}
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {"alert": ("rule_id",), "reminder": ("rule_id",),
                                               "escalation": ("rule_id",)}
DIGEST_ITEM_FIELDS = ("participant_code", "level", "reason", "link")
# rule families by id, or by the prefix before the first dot; "other" for a family a region added
RULE_FAMILIES = ("consecutive_absences", "absence_rate", "sign", "incident", "intake", "order.expiring",
                 "order.plan_overdue", "programme.exit_proposed", "cluster", "assessment.due", "other")
NOTICES = ("critical_flag", "suspended", "exited", "dropout", "excluded", "completed", "order_issued",
           "order_expiring", "order_ended")
ROLES = ("inspector", "psychologist", "supervisor", "support_worker", "victim_support", "manager", "administrator")

Template = dict[str, Any]

UZ_LATN: Template = {
    "levels": {"low": "past", "medium": "oʻrta", "high": "yuqori", "critical": "oʻta yuqori"},
    "roles": {"inspector": "profilaktika inspektori", "psychologist": "psixolog", "supervisor": "rahbar",
              "support_worker": "qoʻllab-quvvatlash xodimi", "victim_support": "qoʻllab-quvvatlash xodimi",
              "manager": "dastur rahbari", "administrator": "administrator"},
    "rules": {
        "consecutive_absences": "ketma-ket sababsiz qatnashmaslik",
        "absence_rate": "mashgʻulotlarni tez-tez sababsiz qoldirish",
        "sign": "xavotirli belgi qayd etildi",
        "incident": "hodisa haqida xabar berildi",
        "intake": "dastlabki xavf baholash natijasi",
        "order.expiring": "himoya orderining muddati tugayapti",
        "order.plan_overdue": "yakka tartibdagi tuzatish rejasi oʻz vaqtida tuzilmadi",
        "programme.exit_proposed": "dasturdan chiqarish taklif qilindi",
        "cluster": "bir nechta xavf belgisi birgalikda",
        "assessment.due": "xavfni qayta baholash vaqti keldi",
        "other": "xavf belgisi",
    },
    "duration": {"hours": "{n} soat", "minutes": "{n} daqiqa"},
    "lines": {
        "rule": "Qoida: {title}",
        "reason": "Sabab: {reason}",
        "digest_item": "- {participant_code} — {level}: {reason}\n  {link}",
        "digest_empty": "Yangi ogohlantirishlar yoʻq.",
        "decision_support": "Bu bashorat emas: masʼul xodimlarga qaror qabul qilishda yordam beruvchi maʼlumot.",
        "no_names": "Ushbu xabarda hech qanday ism-sharif yoʻq. Uni xizmatdan tashqariga yubormang.",
        "page_heading": "{LEVEL} xavf: {participant_code}",
        "page_why": "Sabablar:",
        "page_button": "Olinganini tasdiqlash",
        "page_done": "Tasdiqlandi. Rahmat.",
        "page_open": "Qadam tizimida ochish",
    },
    "notices": {  # her support worker's notices: a title, and what to say
        "critical_flag": {"title": "oʻta yuqori xavf",
                           "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) boʻyicha oʻta "
                                   "yuqori xavf belgisi qayd etildi. Ayolning xavfsizlik rejasini u bilan hoziroq "
                                   "koʻrib chiqing."},
        "suspended": {"title": "dasturdagi ishtiroki toʻxtatildi",
                       "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigining ({participant_code}) dasturdagi "
                               "ishtiroki toʻxtatib turildi. Ayolning xavfsizlik rejasini u bilan birga qayta koʻrib "
                               "chiqing."},
        "exited": {"title": "dasturdan chiqdi",
                    "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) dasturni tugatmasdan "
                            "chiqdi. Ayolning xavfsizlik rejasini u bilan birga qayta koʻrib chiqing."},
        "dropout": {"title": "dasturdan chiqarildi",
                     "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) dastur shartlariga rioya"
                             " qilmagani uchun dasturdan chiqarildi. Ayolning xavfsizlik rejasini u bilan birga qayta "
                             "koʻrib chiqing."},
        "excluded": {"title": "dasturga qabul qilinmadi",
                      "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) dasturga qabul "
                              "qilinmadi. Ayolning xavfsizlik rejasini u bilan birga qayta koʻrib chiqing."},
        "completed": {"title": "dasturni yakunladi",
                       "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) dasturni yakunladi. "
                               "Ayoldan uydagi ahvolni soʻrab biling."},
        "order_issued": {"title": "yangi himoya orderi",
                          "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigiga ({participant_code}) nisbatan yangi "
                                  "himoya orderi berildi."},
        "order_expiring": {"title": "himoya orderining muddati tugayapti",
                            "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigiga ({participant_code}) nisbatan "
                                    "berilgan himoya orderining muddati tez orada tugaydi. Undan keyingi davrni ayol "
                                    "bilan birga rejalashtiring."},
        "order_ended": {"title": "himoya orderi tugadi",
                         "text": "Siz qoʻllab-quvvatlayotgan ayolning sherigiga ({participant_code}) nisbatan berilgan "
                                 "himoya orderining amal qilishi tugadi. Ayolning xavfsizlik rejasini u bilan birga "
                                 "qayta koʻrib chiqing."},
    },
    "kinds": {
        "alert": {
            "subject": "[Qadam] {LEVEL} xavf: {participant_code}",
            "text": ["{participant_code} kodli ishtirokchi boʻyicha {level} darajadagi xavf aniqlandi.", "",
                     "{details}", "", "Ogohlantirishni ochish: {link}", "Olinganini tasdiqlash: {ack_link}"],
            "short": "Qadam: {LEVEL} xavf, {participant_code} — {about}. Tasdiqlang: {ack_link}",
        },
        "reminder": {
            "subject": "[Qadam] Eslatma: {participant_code} boʻyicha ogohlantirish tasdiqlanmagan",
            "text": ["{participant_code} kodli ishtirokchi boʻyicha {level} darajadagi xavf haqidagi ogohlantirish "
                     "tasdiqlanmaganiga {waited} boʻldi.", "",
                     "{details}", "", "Ogohlantirishni ochish: {link}", "Olinganini tasdiqlash: {ack_link}"],
            "short": "Qadam, eslatma: {LEVEL} xavf, {participant_code} — tasdiqlanmaganiga {waited} boʻldi; {about}. "
                     "Tasdiqlang: {ack_link}",
        },
        "escalation": {
            "subject": "[Qadam] Tasdiqlanmagan ogohlantirish sizga yuborildi: {participant_code}",
            "text": ["{participant_code} kodli ishtirokchi boʻyicha {level} darajadagi xavf haqidagi ogohlantirishni "
                     "masʼul xodim ({role}) {waited} ichida tasdiqlamadi, shuning uchun u sizga yuborildi.", "",
                     "{details}", "", "Ogohlantirishni ochish: {link}", "Olinganini tasdiqlash: {ack_link}"],
            "short": "Qadam: {LEVEL} xavf, {participant_code} — {role} {waited} ichida tasdiqlamadi; {about}. "
                     "Tasdiqlang: {ack_link}",
        },
        "level_rise": {
            "subject": "[Qadam] {participant_code}: xavf darajasi oshdi — {LEVEL}",
            "text": ["Siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) boʻyicha xavf darajasi oshdi: "
                     "{from_level} → {level}.",
                     "Ayolning xavfsizlik rejasini u bilan birga qayta koʻrib chiqing.", "", "Batafsil: {link}"],
            "short": "Qadam: siz qoʻllab-quvvatlayotgan ayolning sherigi ({participant_code}) boʻyicha xavf oshdi: "
                     "{from_level} → {LEVEL}. Xavfsizlik rejasini koʻrib chiqing: {link}",
        },
        "digest": {
            "subject": "[Qadam] {day} kungi xulosa: {count} ta ogohlantirish",
            "text": ["{day} kungi ogohlantirishlar (jami: {count}):", "", "{items}", "",
                     "Barcha ogohlantirishlar: {link}"],
            "short": "Qadam: {day} kungi xulosa — {count} ta ogohlantirish. Koʻrish: {link}",
        },
        "safety_notice": {
            "subject": "[Qadam] {participant_code}: {notice_title}",
            "text": ["{notice}", "", "Batafsil: {link}"],
            "short": "Qadam: {notice} {link}",
        },
    },
}

UZ_CYRL: Template = {
    "levels": {"low": "паст", "medium": "ўрта", "high": "юқори", "critical": "ўта юқори"},
    "roles": {"inspector": "профилактика инспектори", "psychologist": "психолог", "supervisor": "раҳбар",
              "support_worker": "қўллаб-қувватлаш ходими", "victim_support": "қўллаб-қувватлаш ходими",
              "manager": "дастур раҳбари", "administrator": "администратор"},
    "rules": {
        "consecutive_absences": "кетма-кет сабабсиз қатнашмаслик",
        "absence_rate": "машғулотларни тез-тез сабабсиз қолдириш",
        "sign": "хавотирли белги қайд этилди",
        "incident": "ҳодиса ҳақида хабар берилди",
        "intake": "дастлабки хавф баҳолаш натижаси",
        "order.expiring": "ҳимоя ордерининг муддати тугаяпти",
        "order.plan_overdue": "якка тартибдаги тузатиш режаси ўз вақтида тузилмади",
        "programme.exit_proposed": "дастурдан чиқариш таклиф қилинди",
        "cluster": "бир нечта хавф белгиси биргаликда",
        "assessment.due": "хавфни қайта баҳолаш вақти келди",
        "other": "хавф белгиси",
    },
    "duration": {"hours": "{n} соат", "minutes": "{n} дақиқа"},
    "lines": {
        "rule": "Қоида: {title}",
        "reason": "Сабаб: {reason}",
        "digest_item": "- {participant_code} — {level}: {reason}\n  {link}",
        "digest_empty": "Янги огоҳлантиришлар йўқ.",
        "decision_support": "Бу башорат эмас: масъул ходимларга қарор қабул қилишда ёрдам берувчи маълумот.",
        "no_names": "Ушбу хабарда ҳеч қандай исм-шариф йўқ. Уни хизматдан ташқарига юборманг.",
        "page_heading": "{LEVEL} хавф: {participant_code}",
        "page_why": "Сабаблар:",
        "page_button": "Олинганини тасдиқлаш",
        "page_done": "Тасдиқланди. Раҳмат.",
        "page_open": "Qadam тизимида очиш",
    },
    "notices": {  # her support worker's notices: a title, and what to say
        "critical_flag": {"title": "ўта юқори хавф",
                           "text": "Сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) бўйича ўта юқори хавф "
                                   "белгиси қайд этилди. Аёлнинг хавфсизлик режасини у билан ҳозироқ кўриб чиқинг."},
        "suspended": {"title": "дастурдаги иштироки тўхтатилди",
                       "text": "Сиз қўллаб-қувватлаётган аёлнинг шеригининг ({participant_code}) дастурдаги иштироки "
                               "тўхтатиб турилди. Аёлнинг хавфсизлик режасини у билан бирга қайта кўриб чиқинг."},
        "exited": {"title": "дастурдан чиқди",
                    "text": "Сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) дастурни тугатмасдан чиқди. "
                            "Аёлнинг хавфсизлик режасини у билан бирга қайта кўриб чиқинг."},
        "dropout": {"title": "дастурдан чиқарилди",
                     "text": "Сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) дастур шартларига риоя "
                             "қилмагани учун дастурдан чиқарилди. Аёлнинг хавфсизлик режасини у билан бирга қайта кўриб"
                             " чиқинг."},
        "excluded": {"title": "дастурга қабул қилинмади",
                      "text": "Сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) дастурга қабул қилинмади. "
                              "Аёлнинг хавфсизлик режасини у билан бирга қайта кўриб чиқинг."},
        "completed": {"title": "дастурни якунлади",
                       "text": "Сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) дастурни якунлади. Аёлдан "
                               "уйдаги аҳволни сўраб билинг."},
        "order_issued": {"title": "янги ҳимоя ордери",
                          "text": "Сиз қўллаб-қувватлаётган аёлнинг шеригига ({participant_code}) нисбатан янги ҳимоя "
                                  "ордери берилди."},
        "order_expiring": {"title": "ҳимоя ордерининг муддати тугаяпти",
                            "text": "Сиз қўллаб-қувватлаётган аёлнинг шеригига ({participant_code}) нисбатан берилган "
                                    "ҳимоя ордерининг муддати тез орада тугайди. Ундан кейинги даврни аёл билан бирга "
                                    "режалаштиринг."},
        "order_ended": {"title": "ҳимоя ордери тугади",
                         "text": "Сиз қўллаб-қувватлаётган аёлнинг шеригига ({participant_code}) нисбатан берилган "
                                 "ҳимоя ордерининг амал қилиши тугади. Аёлнинг хавфсизлик режасини у билан бирга қайта "
                                 "кўриб чиқинг."},
    },
    "kinds": {
        "alert": {
            "subject": "[Qadam] {LEVEL} хавф: {participant_code}",
            "text": ["{participant_code} кодли иштирокчи бўйича {level} даражадаги хавф аниқланди.", "",
                     "{details}", "", "Огоҳлантиришни очиш: {link}", "Олинганини тасдиқлаш: {ack_link}"],
            "short": "Qadam: {LEVEL} хавф, {participant_code} — {about}. Тасдиқланг: {ack_link}",
        },
        "reminder": {
            "subject": "[Qadam] Эслатма: {participant_code} бўйича огоҳлантириш тасдиқланмаган",
            "text": ["{participant_code} кодли иштирокчи бўйича {level} даражадаги хавф ҳақидаги огоҳлантириш "
                     "тасдиқланмаганига {waited} бўлди.", "",
                     "{details}", "", "Огоҳлантиришни очиш: {link}", "Олинганини тасдиқлаш: {ack_link}"],
            "short": "Qadam, эслатма: {LEVEL} хавф, {participant_code} — тасдиқланмаганига {waited} бўлди; {about}. "
                     "Тасдиқланг: {ack_link}",
        },
        "escalation": {
            "subject": "[Qadam] Тасдиқланмаган огоҳлантириш сизга юборилди: {participant_code}",
            "text": ["{participant_code} кодли иштирокчи бўйича {level} даражадаги хавф ҳақидаги огоҳлантиришни "
                     "масъул ходим ({role}) {waited} ичида тасдиқламади, шунинг учун у сизга юборилди.", "",
                     "{details}", "", "Огоҳлантиришни очиш: {link}", "Олинганини тасдиқлаш: {ack_link}"],
            "short": "Qadam: {LEVEL} хавф, {participant_code} — {role} {waited} ичида тасдиқламади; {about}. "
                     "Тасдиқланг: {ack_link}",
        },
        "level_rise": {
            "subject": "[Qadam] {participant_code}: хавф даражаси ошди — {LEVEL}",
            "text": ["Сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) бўйича хавф даражаси ошди: "
                     "{from_level} → {level}.",
                     "Аёлнинг хавфсизлик режасини у билан бирга қайта кўриб чиқинг.", "", "Батафсил: {link}"],
            "short": "Qadam: сиз қўллаб-қувватлаётган аёлнинг шериги ({participant_code}) бўйича хавф ошди: "
                     "{from_level} → {LEVEL}. Хавфсизлик режасини кўриб чиқинг: {link}",
        },
        "digest": {
            "subject": "[Qadam] {day} кунги хулоса: {count} та огоҳлантириш",
            "text": ["{day} кунги огоҳлантиришлар (жами: {count}):", "", "{items}", "",
                     "Барча огоҳлантиришлар: {link}"],
            "short": "Qadam: {day} кунги хулоса — {count} та огоҳлантириш. Кўриш: {link}",
        },
        "safety_notice": {
            "subject": "[Qadam] {participant_code}: {notice_title}",
            "text": ["{notice}", "", "Батафсил: {link}"],
            "short": "Qadam: {notice} {link}",
        },
    },
}

RU: Template = {
    "levels": {"low": "низкий", "medium": "средний", "high": "высокий", "critical": "критический"},
    "roles": {"inspector": "инспектор профилактики", "psychologist": "психолог", "supervisor": "руководитель",
              "support_worker": "специалист по поддержке", "victim_support": "специалист по поддержке пострадавшей",
              "manager": "руководитель программы", "administrator": "администратор"},
    "rules": {
        "consecutive_absences": "пропуски занятий подряд без уважительной причины",
        "absence_rate": "частые пропуски занятий без уважительной причины",
        "sign": "отмечен тревожный признак",
        "incident": "сообщение об инциденте",
        "intake": "результат первичной оценки риска",
        "order.expiring": "истекает срок охранного ордера",
        "order.plan_overdue": "индивидуальный план коррекции не составлен в срок",
        "programme.exit_proposed": "предложено исключение из программы",
        "cluster": "сочетание нескольких признаков риска",
        "assessment.due": "пора повторно оценить риск",
        "other": "сигнал риска",
    },
    # unit symbols: no plural forms to agree with the number, and no full stop to clash with a sentence's
    "duration": {"hours": "{n} ч", "minutes": "{n} мин"},
    "lines": {
        "rule": "Правило: {title}",
        "reason": "Причина: {reason}",
        "digest_item": "- {participant_code} — {level}: {reason}\n  {link}",
        "digest_empty": "Новых оповещений нет.",
        "decision_support": "Это не прогноз, а информация в помощь ответственным специалистам при принятии решений.",
        "no_names": "В этом сообщении нет имён. Не пересылайте его за пределы службы.",
        "page_heading": "{LEVEL} риск: {participant_code}",
        "page_why": "Причины:",
        "page_button": "Подтвердить получение",
        "page_done": "Получение подтверждено. Спасибо.",
        "page_open": "Открыть в Qadam",
    },
    "notices": {  # her support worker's notices: a title, and what to say
        "critical_flag": {"title": "критический риск",
                           "text": "По {participant_code}, партнёру женщины, которую вы сопровождаете, отмечен признак "
                                   "критического риска. Проверьте вместе с ней её план безопасности сейчас."},
        "suspended": {"title": "участие в программе приостановлено",
                       "text": "Участие {participant_code}, партнёра женщины, которую вы сопровождаете, в программе "
                               "приостановлено. Пересмотрите вместе с ней её план безопасности."},
        "exited": {"title": "выбыл из программы",
                    "text": "{participant_code}, партнёр женщины, которую вы сопровождаете, выбыл из программы, не "
                            "завершив её. Пересмотрите вместе с ней её план безопасности."},
        "dropout": {"title": "исключён из программы",
                     "text": "{participant_code}, партнёр женщины, которую вы сопровождаете, исключён из программы за "
                             "несоблюдение её условий. Пересмотрите вместе с ней её план безопасности."},
        "excluded": {"title": "не принят в программу",
                      "text": "{participant_code}, партнёр женщины, которую вы сопровождаете, не принят в программу. "
                              "Пересмотрите вместе с ней её план безопасности."},
        "completed": {"title": "завершил программу",
                       "text": "{participant_code}, партнёр женщины, которую вы сопровождаете, завершил программу. "
                               "Узнайте у неё, как обстоят дела дома."},
        "order_issued": {"title": "новый охранный ордер",
                          "text": "В отношении {participant_code}, партнёра женщины, которую вы сопровождаете, выдан "
                                  "новый охранный ордер."},
        "order_expiring": {"title": "охранный ордер скоро истекает",
                            "text": "Охранный ордер в отношении {participant_code}, партнёра женщины, которую вы "
                                    "сопровождаете, скоро истекает. Спланируйте вместе с ней время после него."},
        "order_ended": {"title": "охранный ордер прекратил действие",
                         "text": "Охранный ордер в отношении {participant_code}, партнёра женщины, которую вы "
                                 "сопровождаете, прекратил действие. Пересмотрите вместе с ней её план безопасности."},
    },
    "kinds": {
        "alert": {
            "subject": "[Qadam] {LEVEL} риск: {participant_code}",
            "text": ["По участнику {participant_code} выявлен {level} уровень риска.", "",
                     "{details}", "", "Открыть оповещение: {link}", "Подтвердить получение: {ack_link}"],
            "short": "Qadam: {LEVEL} риск, {participant_code} — {about}. Подтвердите: {ack_link}",
        },
        "reminder": {
            "subject": "[Qadam] Напоминание: оповещение по {participant_code} не подтверждено",
            "text": ["Оповещение по участнику {participant_code} (уровень риска: {level}) не подтверждено уже {waited}.",
                     "", "{details}", "", "Открыть оповещение: {link}", "Подтвердить получение: {ack_link}"],
            "short": "Qadam, напоминание: {LEVEL} риск, {participant_code} — не подтверждено уже {waited}; {about}. "
                     "Подтвердите: {ack_link}",
        },
        "escalation": {
            "subject": "[Qadam] Вам передано неподтверждённое оповещение: {participant_code}",
            "text": ["Оповещение по участнику {participant_code} (уровень риска: {level}) не подтверждено "
                     "ответственным специалистом ({role}) в течение {waited}, поэтому оно передано вам.", "",
                     "{details}", "", "Открыть оповещение: {link}", "Подтвердить получение: {ack_link}"],
            "short": "Qadam: {LEVEL} риск, {participant_code} — не подтверждено за {waited} ({role}); {about}. "
                     "Подтвердите: {ack_link}",
        },
        "level_rise": {
            "subject": "[Qadam] {participant_code}: уровень риска повысился — {LEVEL}",
            "text": ["Уровень риска по {participant_code}, партнёру женщины, которую вы сопровождаете, повысился: "
                     "{from_level} → {level}.",
                     "Пересмотрите вместе с ней её план безопасности.", "", "Подробнее: {link}"],
            "short": "Qadam: риск по {participant_code} (партнёр женщины, которую вы сопровождаете) повысился: "
                     "{from_level} → {LEVEL}. Проверьте план безопасности: {link}",
        },
        "digest": {
            "subject": "[Qadam] Сводка за {day}: оповещений — {count}",
            "text": ["Оповещения за {day} (всего: {count}):", "", "{items}", "", "Все оповещения: {link}"],
            "short": "Qadam: сводка за {day} — оповещений: {count}. Открыть: {link}",
        },
        "safety_notice": {
            "subject": "[Qadam] {participant_code}: {notice_title}",
            "text": ["{notice}", "", "Подробнее: {link}"],
            "short": "Qadam: {notice} {link}",
        },
    },
}

KAA: Template = {  # Karakalpak in the Latin alphabet used in Nukus today (á, ó, ú, ı, ǵ, ń)
    "levels": {"low": "tómen", "medium": "orta", "high": "joqarı", "critical": "júdá joqarı"},
    "roles": {"inspector": "profilaktika inspektorı", "psychologist": "psixolog", "supervisor": "basshı",
              "support_worker": "qollap-quwatlaw xızmetkeri", "victim_support": "qollap-quwatlaw xızmetkeri",
              "manager": "baǵdarlama basshısı", "administrator": "administrator"},
    "rules": {
        "consecutive_absences": "izbe-iz sebepsiz qatnaspaw",
        "absence_rate": "shınıǵıwlardı jiyi sebepsiz qaldırıw",
        "sign": "qáwip belgisi dizimge alındı",
        "incident": "hádiyse haqqında xabar berildi",
        "intake": "dáslepki qáwip bahalawınıń nátiyjesi",
        "order.expiring": "qorǵaw orderiniń múddeti pitip atır",
        "order.plan_overdue": "jeke dúzetiw rejesi óz waqtında dúzilmedi",
        "programme.exit_proposed": "baǵdarlamadan shıǵarıw usınıldı",
        "cluster": "bir neshe qáwip belgisi birge",
        "assessment.due": "qáwipti qayta bahalaw waqtı keldi",
        "other": "qáwip belgisi",
    },
    "duration": {"hours": "{n} saat", "minutes": "{n} minut"},
    "lines": {
        "rule": "Qaǵıyda: {title}",
        "reason": "Sebep: {reason}",
        "digest_item": "- {participant_code} — {level}: {reason}\n  {link}",
        "digest_empty": "Jańa eskertiwler joq.",
        "decision_support": "Bul boljaw emes: juwapker xızmetkerlerge qarar qabıllawda járdem beretuǵın maǵlıwmat.",
        "no_names": "Bul xabarda hesh kimniń atı joq. Onı xızmetten sırtqa jibermeń.",
        "page_heading": "{LEVEL} qáwip: {participant_code}",
        "page_why": "Sebepler:",
        "page_button": "Alınǵanın tastıyıqlaw",
        "page_done": "Tastıyıqlandı. Raxmet.",
        "page_open": "Qadam sistemasında ashıw",
    },
    "notices": {  # her support worker's notices: a title, and what to say
        "critical_flag": {"title": "júdá joqarı qáwip",
                           "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) boyınsha júdá "
                                   "joqarı qáwip belgisi dizimge alındı. Hayaldıń qáwipsizlik rejesin onıń menen házir "
                                   "kórip shıǵıń."},
        "suspended": {"title": "baǵdarlamaǵa qatnasıwı toqtatıldı",
                       "text": "Siz qollap-quwatlap atırǵan hayaldıń sheriginiń ({participant_code}) baǵdarlamaǵa "
                               "qatnasıwı waqıtsha toqtatıldı. Hayaldıń qáwipsizlik rejesin onıń menen birge qayta "
                               "kórip shıǵıń."},
        "exited": {"title": "baǵdarlamadan shıqtı",
                    "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) baǵdarlamanı tamamlamay "
                            "shıqtı. Hayaldıń qáwipsizlik rejesin onıń menen birge qayta kórip shıǵıń."},
        "dropout": {"title": "baǵdarlamadan shıǵarıldı",
                     "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) baǵdarlama shártlerin "
                             "orınlamaǵanı ushın baǵdarlamadan shıǵarıldı. Hayaldıń qáwipsizlik rejesin onıń menen "
                             "birge qayta kórip shıǵıń."},
        "excluded": {"title": "baǵdarlamaǵa qabıllanbadı",
                      "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) baǵdarlamaǵa "
                              "qabıllanbadı. Hayaldıń qáwipsizlik rejesin onıń menen birge qayta kórip shıǵıń."},
        "completed": {"title": "baǵdarlamanı tamamladı",
                       "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) baǵdarlamanı "
                               "tamamladı. Hayaldan úydegi jaǵdaydı sorap biliń."},
        "order_issued": {"title": "jańa qorǵaw orderi",
                          "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigine ({participant_code}) qarata jańa "
                                  "qorǵaw orderi berildi."},
        "order_expiring": {"title": "qorǵaw orderiniń múddeti pitip atır",
                            "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigine ({participant_code}) qarata "
                                    "berilgen qorǵaw orderiniń múddeti jaqın arada pitedi. Onnan keyingi waqıttı hayal "
                                    "menen birge rejelestiriń."},
        "order_ended": {"title": "qorǵaw orderi tamamlandı",
                         "text": "Siz qollap-quwatlap atırǵan hayaldıń sherigine ({participant_code}) qarata berilgen "
                                 "qorǵaw orderiniń háreketi tamamlandı. Hayaldıń qáwipsizlik rejesin onıń menen birge "
                                 "qayta kórip shıǵıń."},
    },
    "kinds": {
        "alert": {
            "subject": "[Qadam] {LEVEL} qáwip: {participant_code}",
            "text": ["{participant_code} kodlı qatnasıwshı boyınsha {level} dárejedegi qáwip anıqlandı.", "",
                     "{details}", "", "Eskertiwdi ashıw: {link}", "Alınǵanın tastıyıqlaw: {ack_link}"],
            "short": "Qadam: {LEVEL} qáwip, {participant_code} — {about}. Tastıyıqlań: {ack_link}",
        },
        "reminder": {
            "subject": "[Qadam] Eske salıw: {participant_code} boyınsha eskertiw tastıyıqlanbaǵan",
            "text": ["{participant_code} kodlı qatnasıwshı boyınsha eskertiw (qáwip dárejesi: {level}) "
                     "tastıyıqlanbaǵanına {waited} boldı.", "",
                     "{details}", "", "Eskertiwdi ashıw: {link}", "Alınǵanın tastıyıqlaw: {ack_link}"],
            "short": "Qadam, eske salıw: {LEVEL} qáwip, {participant_code} — tastıyıqlanbaǵanına {waited} boldı; "
                     "{about}. Tastıyıqlań: {ack_link}",
        },
        "escalation": {
            "subject": "[Qadam] Tastıyıqlanbaǵan eskertiw sizge jiberildi: {participant_code}",
            "text": ["{participant_code} kodlı qatnasıwshı boyınsha eskertiwdi (qáwip dárejesi: {level}) juwapker "
                     "xızmetker ({role}) {waited} ishinde tastıyıqlamadı, sonlıqtan ol sizge jiberildi.", "",
                     "{details}", "", "Eskertiwdi ashıw: {link}", "Alınǵanın tastıyıqlaw: {ack_link}"],
            "short": "Qadam: {LEVEL} qáwip, {participant_code} — {role} {waited} ishinde tastıyıqlamadı; {about}. "
                     "Tastıyıqlań: {ack_link}",
        },
        "level_rise": {
            "subject": "[Qadam] {participant_code}: qáwip dárejesi kóterildi — {LEVEL}",
            "text": ["Siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) boyınsha qáwip dárejesi "
                     "kóterildi: {from_level} → {level}.",
                     "Hayaldıń qáwipsizlik rejesin onıń menen birge qayta kórip shıǵıń.", "", "Tolıǵıraq: {link}"],
            "short": "Qadam: siz qollap-quwatlap atırǵan hayaldıń sherigi ({participant_code}) boyınsha qáwip "
                     "kóterildi: {from_level} → {LEVEL}. Qáwipsizlik rejesin kórip shıǵıń: {link}",
        },
        "digest": {
            "subject": "[Qadam] {day} kúngi juwmaq: {count} eskertiw",
            "text": ["{day} kúngi eskertiwler (barlıǵı: {count}):", "", "{items}", "", "Barlıq eskertiwler: {link}"],
            "short": "Qadam: {day} kúngi juwmaq — {count} eskertiw. Kóriw: {link}",
        },
        "safety_notice": {
            "subject": "[Qadam] {participant_code}: {notice_title}",
            "text": ["{notice}", "", "Tolıǵıraq: {link}"],
            "short": "Qadam: {notice} {link}",
        },
    },
}

# Karakalpak in Cyrillic script: KAA converted by the portal's karakalpak_cyrillic.to_cyrillic once and frozen here
# (services/portal/tests/unit/test_karakalpak_cyrillic.py checks it is still the conversion of KAA)
KAA_CYRL: Template = {
    "levels": {"low": "төмен", "medium": "орта", "high": "жоқары", "critical": "жүдә жоқары"},
    "roles": {
        "inspector": "профилактика инспекторы",
        "psychologist": "психолог",
        "supervisor": "басшы",
        "support_worker": "қоллап-қуўатлаў хызметкери",
        "victim_support": "қоллап-қуўатлаў хызметкери",
        "manager": "бағдарлама басшысы",
        "administrator": "администратор",
    },
    "rules": {
        "consecutive_absences": "избе-из себепсиз қатнаспаў",
        "absence_rate": "шынығыўларды жийи себепсиз қалдырыў",
        "sign": "қәўип белгиси дизимге алынды",
        "incident": "ҳәдийсе ҳаққында хабар берилди",
        "intake": "дәслепки қәўип баҳалаўының нәтийжеси",
        "order.expiring": "қорғаў ордериниң мүддети питип атыр",
        "order.plan_overdue": "жеке дүзетиў режеси өз ўақтында дүзилмеди",
        "programme.exit_proposed": "бағдарламадан шығарыў усынылды",
        "cluster": "бир неше қәўип белгиси бирге",
        "assessment.due": "қәўипти қайта баҳалаў ўақты келди",
        "other": "қәўип белгиси",
    },
    "duration": {"hours": "{n} саат", "minutes": "{n} минут"},
    "lines": {
        "rule": "Қағыйда: {title}",
        "reason": "Себеп: {reason}",
        "digest_item": "- {participant_code} — {level}: {reason}\n  {link}",
        "digest_empty": "Жаңа ескертиўлер жоқ.",
        "decision_support": "Бул болжаў емес: жуўапкер хызметкерлерге қарар қабыллаўда жәрдем беретуғын мағлыўмат.",
        "no_names": "Бул хабарда ҳеш кимниң аты жоқ. Оны хызметтен сыртқа жибермең.",
        "page_heading": "{LEVEL} қәўип: {participant_code}",
        "page_why": "Себеплер:",
        "page_button": "Алынғанын тастыйықлаў",
        "page_done": "Тастыйықланды. Рахмет.",
        "page_open": "Qadam системасында ашыў",
    },
    "notices": {
        "critical_flag": {
            "title": "жүдә жоқары қәўип",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бойынша жүдә жоқары қәўип "
                    "белгиси дизимге алынды. Ҳаялдың қәўипсизлик режесин оның менен ҳәзир көрип шығың.",
        },
        "suspended": {
            "title": "бағдарламаға қатнасыўы тоқтатылды",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шеригиниң ({participant_code}) бағдарламаға қатнасыўы "
                    "ўақытша тоқтатылды. Ҳаялдың қәўипсизлик режесин оның менен бирге қайта көрип шығың.",
        },
        "exited": {
            "title": "бағдарламадан шықты",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бағдарламаны тамамламай шықты. "
                    "Ҳаялдың қәўипсизлик режесин оның менен бирге қайта көрип шығың.",
        },
        "dropout": {
            "title": "бағдарламадан шығарылды",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бағдарлама шәртлерин "
                    "орынламағаны ушын бағдарламадан шығарылды. Ҳаялдың қәўипсизлик режесин оның менен бирге қайта "
                    "көрип шығың.",
        },
        "excluded": {
            "title": "бағдарламаға қабылланбады",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бағдарламаға қабылланбады. "
                    "Ҳаялдың қәўипсизлик режесин оның менен бирге қайта көрип шығың.",
        },
        "completed": {
            "title": "бағдарламаны тамамлады",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бағдарламаны тамамлады. Ҳаялдан "
                    "үйдеги жағдайды сорап билиң.",
        },
        "order_issued": {
            "title": "жаңа қорғаў ордери",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шеригине ({participant_code}) қарата жаңа қорғаў ордери "
                    "берилди.",
        },
        "order_expiring": {
            "title": "қорғаў ордериниң мүддети питип атыр",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шеригине ({participant_code}) қарата берилген қорғаў "
                    "ордериниң мүддети жақын арада питеди. Оннан кейинги ўақытты ҳаял менен бирге режелестириң.",
        },
        "order_ended": {
            "title": "қорғаў ордери тамамланды",
            "text": "Сиз қоллап-қуўатлап атырған ҳаялдың шеригине ({participant_code}) қарата берилген қорғаў "
                    "ордериниң ҳәрекети тамамланды. Ҳаялдың қәўипсизлик режесин оның менен бирге қайта көрип шығың.",
        },
    },
    "kinds": {
        "alert": {
            "subject": "[Qadam] {LEVEL} қәўип: {participant_code}",
            "text": [
                "{participant_code} кодлы қатнасыўшы бойынша {level} дәрежедеги қәўип анықланды.",
                "",
                "{details}",
                "",
                "Ескертиўди ашыў: {link}",
                "Алынғанын тастыйықлаў: {ack_link}",
            ],
            "short": "Qadam: {LEVEL} қәўип, {participant_code} — {about}. Тастыйықлаң: {ack_link}",
        },
        "reminder": {
            "subject": "[Qadam] Еске салыў: {participant_code} бойынша ескертиў тастыйықланбаған",
            "text": [
                "{participant_code} кодлы қатнасыўшы бойынша ескертиў (қәўип дәрежеси: {level}) тастыйықланбағанына "
                "{waited} болды.",
                "",
                "{details}",
                "",
                "Ескертиўди ашыў: {link}",
                "Алынғанын тастыйықлаў: {ack_link}",
            ],
            "short": "Qadam, еске салыў: {LEVEL} қәўип, {participant_code} — тастыйықланбағанына {waited} болды; "
                     "{about}. Тастыйықлаң: {ack_link}",
        },
        "escalation": {
            "subject": "[Qadam] Тастыйықланбаған ескертиў сизге жиберилди: {participant_code}",
            "text": [
                "{participant_code} кодлы қатнасыўшы бойынша ескертиўди (қәўип дәрежеси: {level}) жуўапкер хызметкер "
                "({role}) {waited} ишинде тастыйықламады, сонлықтан ол сизге жиберилди.",
                "",
                "{details}",
                "",
                "Ескертиўди ашыў: {link}",
                "Алынғанын тастыйықлаў: {ack_link}",
            ],
            "short": "Qadam: {LEVEL} қәўип, {participant_code} — {role} {waited} ишинде тастыйықламады; {about}. "
                     "Тастыйықлаң: {ack_link}",
        },
        "level_rise": {
            "subject": "[Qadam] {participant_code}: қәўип дәрежеси көтерилди — {LEVEL}",
            "text": [
                "Сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бойынша қәўип дәрежеси көтерилди: "
                "{from_level} → {level}.",
                "Ҳаялдың қәўипсизлик режесин оның менен бирге қайта көрип шығың.",
                "",
                "Толығырақ: {link}",
            ],
            "short": "Qadam: сиз қоллап-қуўатлап атырған ҳаялдың шериги ({participant_code}) бойынша қәўип көтерилди: "
                     "{from_level} → {LEVEL}. Қәўипсизлик режесин көрип шығың: {link}",
        },
        "digest": {
            "subject": "[Qadam] {day} күнги жуўмақ: {count} ескертиў",
            "text": ["{day} күнги ескертиўлер (барлығы: {count}):", "", "{items}", "", "Барлық ескертиўлер: {link}"],
            "short": "Qadam: {day} күнги жуўмақ — {count} ескертиў. Көриў: {link}",
        },
        "safety_notice": {
            "subject": "[Qadam] {participant_code}: {notice_title}",
            "text": ["{notice}", "", "Толығырақ: {link}"],
            "short": "Qadam: {notice} {link}",
        },
    },
}

EN: Template = {
    "levels": {"low": "low", "medium": "medium", "high": "high", "critical": "critical"},
    "roles": {"inspector": "prevention inspector", "psychologist": "psychologist", "supervisor": "supervisor",
              "support_worker": "support worker", "victim_support": "support worker",
              "manager": "programme manager", "administrator": "administrator"},
    "rules": {
        "consecutive_absences": "unexcused absences in a row",
        "absence_rate": "frequent unexcused absences",
        "sign": "warning sign recorded",
        "incident": "incident reported",
        "intake": "intake risk assessment",
        "order.expiring": "protection order expiring",
        "order.plan_overdue": "correction plan not drawn up in time",
        "programme.exit_proposed": "exit from the programme proposed",
        "cluster": "several risk signs together",
        "assessment.due": "risk reassessment due",
        "other": "risk flag",
    },
    "duration": {"hours": "{n} h", "minutes": "{n} min"},
    "lines": {
        "rule": "Rule: {title}",
        "reason": "Reason: {reason}",
        "digest_item": "- {participant_code} — {level}: {reason}\n  {link}",
        "digest_empty": "No new alerts.",
        "decision_support": "This is decision support for the responsible staff, not a prediction.",
        "no_names": "This message carries no names. Do not forward it outside the service.",
        "page_heading": "{LEVEL} risk: {participant_code}",
        "page_why": "Why:",
        "page_button": "Acknowledge",
        "page_done": "Acknowledged. Thank you.",
        "page_open": "Open it in Qadam",
    },
    "notices": {  # her support worker's notices: a title, and what to say
        "critical_flag": {"title": "critical risk",
                           "text": "A critical risk sign was recorded for {participant_code}, the partner of the woman "
                                   "you support. Check her safety plan with her now."},
        "suspended": {"title": "his programme was suspended",
                       "text": "The programme of {participant_code}, the partner of the woman you support, was "
                               "suspended. Review her safety plan with her."},
        "exited": {"title": "he left the programme",
                    "text": "{participant_code}, the partner of the woman you support, left the programme before "
                            "finishing it. Review her safety plan with her."},
        "dropout": {"title": "he was taken out of the programme",
                     "text": "{participant_code}, the partner of the woman you support, was taken out of the programme "
                             "for not keeping to it. Review her safety plan with her."},
        "excluded": {"title": "he was not admitted",
                      "text": "{participant_code}, the partner of the woman you support, was not admitted to the "
                              "programme. Review her safety plan with her."},
        "completed": {"title": "he completed the programme",
                       "text": "{participant_code}, the partner of the woman you support, completed the programme. Ask "
                               "her how things are at home."},
        "order_issued": {"title": "a new protection order",
                          "text": "A new protection order was issued against {participant_code}, the partner of the "
                                  "woman you support."},
        "order_expiring": {"title": "his protection order runs out soon",
                            "text": "The protection order against {participant_code}, the partner of the woman you "
                                    "support, runs out soon. Plan the time after it with her."},
        "order_ended": {"title": "his protection order has ended",
                         "text": "The protection order against {participant_code}, the partner of the woman you "
                                 "support, has ended. Review her safety plan with her."},
    },
    "kinds": {
        "alert": {
            "subject": "[Qadam] {LEVEL} risk: {participant_code}",
            "text": ["A {level} risk was found for participant {participant_code}.", "",
                     "{details}", "", "Open the alert: {link}", "Acknowledge it: {ack_link}"],
            "short": "Qadam: {LEVEL} risk, {participant_code} — {about}. Acknowledge: {ack_link}",
        },
        "reminder": {
            "subject": "[Qadam] Reminder: alert for {participant_code} not acknowledged",
            "text": ["The alert for participant {participant_code} (risk level: {level}) has waited {waited} "
                     "without acknowledgement.", "",
                     "{details}", "", "Open the alert: {link}", "Acknowledge it: {ack_link}"],
            "short": "Qadam reminder: {LEVEL} risk, {participant_code} — unacknowledged for {waited}; {about}. "
                     "Acknowledge: {ack_link}",
        },
        "escalation": {
            "subject": "[Qadam] Unacknowledged alert passed to you: {participant_code}",
            "text": ["The alert for participant {participant_code} (risk level: {level}) was not acknowledged by the "
                     "responsible {role} within {waited}, so it has been passed to you.", "",
                     "{details}", "", "Open the alert: {link}", "Acknowledge it: {ack_link}"],
            "short": "Qadam: {LEVEL} risk, {participant_code} — not acknowledged by the {role} within {waited}; "
                     "{about}. Acknowledge: {ack_link}",
        },
        "level_rise": {
            "subject": "[Qadam] {participant_code}: risk level rose to {LEVEL}",
            "text": ["The risk level of {participant_code}, the partner of a woman you support, rose: "
                     "{from_level} → {level}.",
                     "Review her safety plan with her.", "", "Details: {link}"],
            "short": "Qadam: the risk of {participant_code} (partner of a woman you support) rose: "
                     "{from_level} → {LEVEL}. Review her safety plan: {link}",
        },
        "digest": {
            "subject": "[Qadam] Summary for {day} — alerts: {count}",
            "text": ["Alerts of {day} (in all: {count}):", "", "{items}", "", "All alerts: {link}"],
            "short": "Qadam: summary for {day} — alerts: {count}. Open: {link}",
        },
        "safety_notice": {
            "subject": "[Qadam] {participant_code}: {notice_title}",
            "text": ["{notice}", "", "More: {link}"],
            "short": "Qadam: {notice} {link}",
        },
    },
}

TEMPLATES: dict[str, Template] = {"uz-Latn": UZ_LATN, "uz-Cyrl": UZ_CYRL, "ru": RU, "kaa": KAA, "kaa-Cyrl": KAA_CYRL,
                                  "en": EN}
assert tuple(TEMPLATES) == LANGUAGES, "a template for every language of the contracts, in their order"
# tags people and browsers send for these languages (besides the names themselves, in any case: "kaa-cyrl",
# "kaa-Cyrl-UZ")
ALIASES = {"uz": "uz-Latn", "kaa-latn": "kaa"}


def language_of(tag: str | None) -> str:
    """The template language for a recipient's language tag ("ru-RU" -> "ru", "uz" -> "uz-Latn"); Uzbek in Latin
    script for anything else."""
    known = {name.lower(): name for name in TEMPLATES} | ALIASES
    parts = (tag or "").replace("_", "-").lower().split("-")
    for end in range(len(parts), 0, -1):
        found = known.get("-".join(parts[:end]))
        if found:
            return found
    return DEFAULT_LANGUAGE


def rule_title(rule_id: str, language: str) -> str:
    """A rule family's short title in `language`: by the rule's id, or by its prefix (`sign.threat_to_kill` ->
    the warning-sign title); a family the templates do not know gets a general one."""
    rules = TEMPLATES[language_of(language)]["rules"]
    title = rules.get(rule_id) or rules.get(rule_id.split(".", 1)[0]) or rules["other"]
    return str(title)


def level_word(level: str, language: str) -> str:
    return str(TEMPLATES[language_of(language)]["levels"].get(level, level))


def render(kind: str, language: str, **fields: Any) -> Message:
    """The message of `kind` (see KINDS for the fields each takes) in `language`. A missing field is a KeyError, a
    field the kind does not take a TypeError: nothing but these fields can reach the text."""
    if kind not in KINDS:
        raise ValueError(f"No template kind {kind!r}: one of {', '.join(KINDS)}.")
    missing = [name for name in KINDS[kind] if name not in fields]
    if missing:
        raise KeyError(f"{kind} needs {', '.join(missing)}")
    unknown = set(fields) - set(KINDS[kind]) - set(OPTIONAL_FIELDS.get(kind, ()))
    if unknown:
        raise TypeError(f"{kind} takes no {', '.join(sorted(unknown))}")
    lang = language_of(language)
    template = TEMPLATES[lang]
    lines = template["lines"]
    values = {name: fields[name] for name in KINDS[kind]}
    if "level" in fields:
        values["level"] = level_word(fields["level"], lang)
        values["LEVEL"] = values["level"].upper()
    if "from_level" in fields:
        values["from_level"] = level_word(fields["from_level"], lang)
    if "role" in fields:
        values["role"] = template["roles"].get(fields["role"], fields["role"])
    if "minutes" in fields:
        values["waited"] = _duration(fields["minutes"], template["duration"])
    if kind == "safety_notice":
        notice = template["notices"][fields["notice"]]  # a code the templates do not know is a KeyError
        values["notice_title"] = notice["title"]
        values["notice"] = notice["text"].format(participant_code=fields["participant_code"])
    about = ""
    if "reason" in fields:
        rule_id = fields.get("rule_id")
        title = rule_title(rule_id, lang) if rule_id else None
        values["details"] = "\n".join(([lines["rule"].format(title=title)] if title else [])
                                      + [lines["reason"].format(reason=fields["reason"])])
        about = title or " ".join(str(fields["reason"]).split()).rstrip(".")
    if kind == "digest":
        items = [_digest_item(item, lines["digest_item"], lang) for item in fields["items"]]
        values["items"] = "\n".join(items) if items else lines["digest_empty"]
        values["count"] = len(items)
    texts = template["kinds"][kind]
    body = "\n".join(texts["text"]).format(**values)
    return Message(subject=texts["subject"].format(**values),
                   text=f"{body}\n\n{lines['decision_support']}\n{lines['no_names']}\n",
                   short=_short(texts["short"], values, about))


def page_words(language: str) -> dict[str, str]:
    """The words of the page a signed acknowledgement link opens, in `language`."""
    lines = TEMPLATES[language_of(language)]["lines"]
    return {name: str(text) for name, text in lines.items() if name.startswith("page_")}


def _digest_item(item: Mapping[str, Any], line: str, language: str) -> str:
    values = {name: item[name] for name in DIGEST_ITEM_FIELDS}
    values["level"] = level_word(item["level"], language)
    return line.format(**values)


def _duration(minutes: float, words: Mapping[str, str]) -> str:
    """Minutes as people say a wait: "45 daqiqa", "4 soat", "4 soat 30 daqiqa"."""
    hours, rest = divmod(round(float(minutes)), 60)
    if not hours:
        return str(words["minutes"].format(n=rest))
    return " ".join([words["hours"].format(n=hours), *([words["minutes"].format(n=rest)] if rest else [])])


def _short(template: str, values: Mapping[str, Any], about: str) -> str:
    """At most SHORT_MAX characters: the free text (`about`) is cut, with "…", never a link or the code."""
    text = template.format(**values, about=about)
    if len(text) <= SHORT_MAX:
        return text
    room = SHORT_MAX - len(template.format(**values, about=""))
    if room < 2:
        raise ValueError(f"the links alone make a short text longer than {SHORT_MAX} characters")
    # an ellipsis ends its sentence: no full stop after it
    return template.format(**values, about=about[:room - 1].rstrip() + "…").replace("….", "…")
