"""Korean: the counted noun stands before the number, a counter after it."""

from monitor.figures.lang import Language

_COUNTERS_WORDS = "개 발 명 대 척 기 문 정 량 건 곳 마리 채 장 권 병 벌 가지 상자"
COUNTERS = dict.fromkeys(_COUNTERS_WORDS.split(), "")

LANGUAGE = Language(
    code="ko",
    decimal=".",
    noun_style="ko",
    units={
        "달러": "usd",
        "미국 달러": "usd",
        "원": "krw",
        "유로": "eur",
        "엔": "jpy",
        "위안": "cny",
        "루블": "rub",
        "흐리우냐": "uah",
        "퍼센트": "percent",
        "%포인트": "percentage point",
        "퍼센트포인트": "percentage point",
        "%p": "percentage point",
        "톤": "tonne",
        "킬로미터": "km",
    },
    approx="약|대략|어림잡아|추정|추산",
    at_least="최소|최소한|적어도|무려",
    at_most="최대|많게는|최고",
    nearly="거의|근|육박",
    approx_after="여|가량|정도|쯤|안팎|내외|남짓",
    at_least_after="이상|을 돌파|를 돌파|을 웃돌|를 웃돌|을 넘|를 넘|"
    "넘는|넘게|넘어|초과|가 넘는|이 넘는|가 넘게|이 넘게|를 넘어|을 넘어|"
    "를 넘는|을 넘는|를 웃도는|을 웃도는|를 상회하는|을 상회하는",
    at_most_after="이하|미만|이내",
    range_words="~|∼|-|–",
    past_after="에서|이던|였던|이었던",
    past_words="당시|앞서|이전|과거|종전|그때",
    current_words="현재|지금|이제|최근",
    past_dates="지난|지난해|작년|지난달|전년|전년도|지난 해|지난 달|그해",
    month_pattern=r"(?:지난\s*)?\d{1,2}월",
    since="이후|부터|까지|현재|기준",
    id_words="결의안|결의|쪽|페이지|구경",
    spec_units="mm|밀리|㎜|cm|인치",
    stopwords="약|총|모두|최대|최소|이상|지난|올해|현재|무려|또|및|등|각각|이|그|저|거의",
    number_of="수|규모",
    relations={
        "두 배": "double",
        "2배": "double",
        "세 배": "triple",
        "3배": "triple",
        "절반": "half",
    },
    counters=COUNTERS,
    date_suffixes=r"년|월|일|시|분|초|개월|주|차|번째|위|등|세|호|회|층|분기",
    particles="은|는|이|가|을|를|의|에|에서|로|으로|와|과|도|만",
    phone_words="전화|번호|신고",
    versus_after="대비|보다|比",
)
