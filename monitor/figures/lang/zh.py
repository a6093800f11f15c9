"""Chinese: digits with 万/亿, Han numerals, measure words (个, 发, 名)."""

from monitor.figures.lang import Language

LANGUAGE = Language(
    code="zh",
    decimal=".",
    noun_style="zh",
    units={
        "美元": "usd",
        "欧元": "eur",
        "人民币": "cny",
        "元": "cny",
        "日元": "jpy",
        "韩元": "krw",
        "卢布": "rub",
        "百分点": "percentage point",
        "个百分点": "percentage point",
        "吨": "tonne",
        "公里": "km",
    },
    approx="约|大约|大概|近|将近|估计|约为",
    at_least="超过|至少|逾|多达|不少于|突破",
    at_most="最多|至多|不超过|高达|多至",
    nearly="将近|接近|近",
    approx_after="左右|上下|来",
    at_least_after="多|余|以上|余个|多个",
    at_most_after="以下|以内|不到",
    range_words="至|到|~|～|-|–",
    past_words="当时|此前|之前|以前|曾|原先",
    current_words="目前|现在|如今|迄今",
    past_dates="去年|上月|前年|上个月|去年同期",
    month_pattern=r"\d{1,2}月",
    since="以来|至今|截至|截止",
    id_words="第|决议|号|页|口径",
    spec_units="毫米|mm|厘米|英寸",
    stopwords="约|共|总计|最多",
    relations={
        "翻一番": "double",
        "翻番": "double",
        "两倍": "double",
        "一倍": "double",
        "三倍": "triple",
        "减半": "half",
    },
    counters=dict.fromkeys(
        ["个", "发", "枚", "名", "人", "辆", "架", "艘", "件", "门", "箱", "台", "座", "批"], ""
    ),
    date_suffixes=r"年|月|日|时|点|分|秒|个月|周|次|位|号|岁|层|季度",
    phone_words="拨打|电话|热线|号码",
    versus="比|较|同比|相比",
    versus_after="同期|相比",
)
