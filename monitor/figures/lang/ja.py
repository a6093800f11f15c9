"""Japanese: digits with 万/億, kanji numerals, counters (個, 発, 人)."""

from monitor.figures.lang import Language

# counters: "1万3000個のコンテナ", "約1000便", "15人"
COUNTERS: tuple[str, ...] = ("個", "発", "人", "台", "隻", "機", "両", "件", "基", "門", "箱")
COUNTERS += ("名", "万人", "便", "社", "店", "頭", "羽", "棟", "戸")

LANGUAGE = Language(
    code="ja",
    decimal=".",
    noun_style="ja",
    units={
        "ドル": "usd",
        "米ドル": "usd",
        "円": "jpy",
        "ユーロ": "eur",
        "元": "cny",
        "ウォン": "krw",
        "ルーブル": "rub",
        "パーセント": "percent",
        "ポイント": "percentage point",
        "トン": "tonne",
        "キロ": "km",
        "キロメートル": "km",
    },
    approx="約|およそ|凡そ|ほぼ|推定",
    at_least="少なくとも|最低",
    at_most="最大|最高|多くて|最大で|多くても|最多で",
    nearly="近く|ほぼ",
    approx_after="前後|ほど|程度|くらい|ぐらい|あまり|余り|余",
    at_least_after="以上|超|を超え|を上回|を突破|強",
    at_most_after="以下|未満|以内|弱|近く",
    range_words="〜|～|~|-|–|から",
    past_after="から",
    past_words="当時|以前|前回|かつて|従来",
    current_words="現在|今|いま|これまでに",
    past_dates="昨年|去年|前年|先月|前月|昨年度",
    month_pattern=r"\d{1,2}月",
    since="以降|から|までに|時点",
    id_words="第|決議|号|ページ|口径|震度|マグニチュード",
    spec_units="mm|ミリ|㎜|cm|インチ",
    stopwords="約|計|合計|最大|少なくとも|およそ",
    relations={
        "倍増": "double",
        "2倍": "double",
        "二倍": "double",
        "3倍": "triple",
        "半減": "half",
    },
    counters=dict.fromkeys(COUNTERS, ""),
    date_suffixes=r"年|月|日|時|分|秒|ヶ月|か月|カ月|週|回|位|番目|歳|号|階|期",
    phone_words="電話|番号|ダイヤル",
    versus_after="比|より|と比べ|と比較",
)
