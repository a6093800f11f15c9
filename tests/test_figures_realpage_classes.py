"""Classes of error found on real news pages (tests/data/realpages/), each with several
sentences of its own: the engine is fixed per class, never per sentence of the sample."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.figures import extract_figures


def values_units(text: str, lang: str) -> list[tuple[Decimal, str]]:
    return [(f.value, f.unit) for f in extract_figures(text, lang)]


# --- a line break or a table cell ends the search for the counted noun -----------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "| Modell | Preis | Note |\n| Alpha Komfort | 370 € | 1,7 |\n"
            "| Beta Plus | 350 € | 2,1 |",
            "de",
            [
                (Decimal(370), "eur"),
                (Decimal("1.7"), ""),
                (Decimal(350), "eur"),
                (Decimal("2.1"), ""),
            ],
        ),
        (
            "| Team | Points |\n| Rovers | 42 |\n| United | 38 |",
            "en",
            [(Decimal(42), ""), (Decimal(38), "")],
        ),
        (
            "Besucher im Juli: 12.400\nParkplätze wurden erweitert.",
            "de",
            [(Decimal(12400), "")],
        ),
        (
            "Votos a favor: 215\nDiputados ausentes en la sesión.",
            "es",
            [(Decimal(215), "")],
        ),
    ],
)
def test_noun_never_comes_from_the_next_line_or_cell(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


def test_noun_on_the_same_line_still_counts() -> None:
    assert values_units("| 18 Kindersitze im Test |", "de") == [(Decimal(18), "kindersitz")]


# --- Spanish of the Americas: "14,571 capturas" groups thousands when the text says so -------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La Policía había ejecutado 14,571 capturas; antes eran 1,500.", [14571, 1500]),
        ("No hay viviendas en venta por menos de $150,000 en Irvine.", [150000]),
        ("No hay viviendas por menos de $150,000, según un análisis.", [150000]),
        ("El ministerio repartió 2,300 canastas y 450 colchones.", [2300, 450]),
    ],
)
def test_spanish_comma_groups_thousands_in_a_text_without_decimal_commas(
    text: str, expected: list[int]
) -> None:
    assert [f.value for f in extract_figures(text, "es")] == [Decimal(v) for v in expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La inflación fue de 5,3% y el gasto subió a 1,500 millones.", ["5.3", "1500000"]),
        (
            "La deuda llegó a 14.372,4 millones, frente a 1,250 del año anterior.",
            ["14372400000", "1.25"],
        ),
        ("Pesaba 2,125 kilos y medía 0,75, más que antes.", ["2.125", "0.75"]),
    ],
)
def test_a_decimal_comma_elsewhere_keeps_the_comma_a_point(text: str, expected: list[str]) -> None:
    assert [f.value for f in extract_figures(text, "es")] == [Decimal(v) for v in expected]


def test_a_region_still_decides() -> None:
    assert [f.value for f in extract_figures("Costó 1,500 pesos.", "es-ES")] == [Decimal("1.5")]
    assert [f.value for f in extract_figures("Costó 1,500 pesos.", "es-MX")] == [Decimal(1500)]


# --- a rank is no figure: "el puesto 52", "auf Platz 3", "ranked 12" ---------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Miami se situó en el puesto 52 entre 100 ciudades.", "es", [(Decimal(100), "ciudad")]),
        ("Die Stadt landete auf Platz 7 von 40 Städten.", "de", [(Decimal(40), "stadt")]),
        (
            "The university is ranked 12 among 150 institutions.",
            "en",
            [(Decimal(150), "institution")],
        ),
        ("La Tunisie est au rang 124 sur 153 pays.", "fr", [(Decimal(153), "pays")]),
        ("Polska zajęła miejsce 5 wśród 27 państw.", "pl", [(Decimal(27), "państwo")]),
        ("L'Italia è al posto 18 su 30 paesi.", "it", [(Decimal(30), "paese")]),
    ],
)
def test_a_rank_is_no_figure(text: str, lang: str, expected: list[tuple[Decimal, str]]) -> None:
    assert values_units(text, lang) == expected


# --- list numbering at the start of a line: "4- activer les dispositions" ----------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Actions :\n1- prendre en compte 22 mesures ;\n2- activer la loi.",
            "fr",
            [(Decimal(22), "mesure")],
        ),
        (
            "Forderungen:\n1 – Ausbau der Strecken\n2 – Kauf von 300 Zügen",
            "de",
            [(Decimal(300), "zug")],
        ),
        (
            "Steps:\n3 - hire 40 nurses\n4 - open two clinics",
            "en",
            [(Decimal(40), "nurse"), (Decimal(2), "clinic")],
        ),
    ],
)
def test_list_numbering_at_a_line_start_is_no_figure(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


def test_a_range_with_a_dash_inside_a_line_stays() -> None:
    assert [(f.value, f.range) for f in extract_figures("Es kamen 20 - 30 Besucher.", "de")] == [
        (Decimal(20), (Decimal(20), Decimal(30)))
    ]


# --- every case form of a currency word is the currency: "20,3 dolara", "2 złote" -----------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Godzina pracy w Meksyku wnosi 20,3 dolara do PKB.", [(Decimal("20.3"), "usd")]),
        (
            "Bilet kosztuje 2 złote, a karnet 45 złotych.",
            [(Decimal(2), "pln"), (Decimal(45), "pln")],
        ),
        ("Kurs wynosi 5,1 funta, a w marcu 1 rubla więcej.", [(Decimal("5.1"), "gbp")]),
        ("Cena spadła do 3,5 hrywny za litr.", [(Decimal("3.5"), "uah")]),
    ],
)
def test_polish_currency_words_in_every_case(
    text: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, "pl") == expected


# --- in a table, a figure borrows no noun from another cell -------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "| Modell | Sitze | Note |\n| Kombi | 5 Sitze | 2,1 |\n| Van | 7 Sitze | 1,9 |",
            "de",
            [
                (Decimal(5), "sitz"),
                (Decimal("2.1"), ""),
                (Decimal(7), "sitz"),
                (Decimal("1.9"), ""),
            ],
        ),
        (
            "| Club | Players | Rating |\n| Rovers | 25 players | 4.5 |",
            "en",
            [(Decimal(25), "player"), (Decimal("4.5"), "")],
        ),
    ],
)
def test_a_table_cell_borrows_no_noun(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


def test_an_elided_noun_outside_tables_still_counts() -> None:
    text = "Spain has recorded about 157,000 cases and Italy 143,600."
    assert values_units(text, "en") == [(Decimal(157000), "case"), (Decimal(143600), "case")]


# --- the base of a rate is no figure: "per 100,000 people" --------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Poland reported 25.9 new cases per 100,000 people, up from 15.6.",
            "en",
            [("25.9", "case"), ("15.6", "case")],
        ),
        ("Die Inzidenz liegt bei 48 Fällen pro 100.000 Einwohner.", "de", [("48", "fall")]),
        ("On compte 12 médecins pour 1 000 habitants.", "fr", [("12", "médecin")]),
        ("Hay 3 camas por cada 1.000 habitantes.", "es", [("3", "cama")]),
        (
            "Each ticket costs $100 per person and 20 percent more per 100 miles.",
            "en",
            [("100", "usd"), ("20", "percent")],
        ),
    ],
)
def test_the_base_of_a_rate_is_no_figure(
    text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert values_units(text, lang) == [(Decimal(v), u) for v, u in expected]


def test_a_round_count_after_other_words_stays() -> None:
    assert values_units("Sie kauften 1.000 Tonnen pro Jahr.", "de") == [(Decimal(1000), "tonne")]
    assert values_units("The city hired 100 teachers.", "en") == [(Decimal(100), "teacher")]


# --- "do"/"to" after a verb of change and its object is "to", not "up to" -----------------


@pytest.mark.parametrize(
    ("text", "lang", "bound"),
    [
        ("Grupa planuje zwiększyć ich liczbę do 4 000 placówek.", "pl", None),
        ("Firma zwiększy zatrudnienie nawet do 500 osób.", "pl", "max"),
        ("Miasto podwoiło liczbę autobusów do 120.", "pl", None),
        ("Sklep oferuje do 300 produktów.", "pl", "max"),
        ("Fines are to be increased to a maximum of £10,000.", "en", "max"),
    ],
)
def test_to_after_a_change_verb_with_its_object(text: str, lang: str, bound: str | None) -> None:
    assert [f.bound for f in extract_figures(text, lang)] == [bound]


# --- "menos del 50 %", "más del 60%": the article glued to "de" keeps the bound -----------


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("La Fiscalía trabajó con menos del 50 % de los casos.", "max"),
        ("Más del 60% de los votantes participó.", "min"),
        ("Quedó pendiente menos del 8% de los pagos.", "max"),
    ],
)
def test_spanish_bounds_with_del(text: str, bound: str) -> None:
    assert [f.bound for f in extract_figures(text, "es")] == [bound]


# --- a whole price written "49,- Euro" keeps its currency ---------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Mit Vertrag kostet es rund 49,- Euro, ohne 449,- Euro.",
            "de",
            [("49", "eur"), ("449", "eur")],
        ),
        ("Das Ticket kostet 19,-- € im Vorverkauf.", "de", [("19", "eur")]),
        ("Le menu coûte 25.– CHF.", "fr", [("25", "chf")]),
    ],
)
def test_a_price_dash_keeps_the_currency(
    text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert values_units(text, lang) == [(Decimal(v), u) for v, u in expected]


def test_a_range_dash_after_a_comma_is_no_price() -> None:
    assert values_units("Sie zählten 3,-5 Grad und 12 Besucher.", "de")[-1] == (
        Decimal(12),
        "besucher",
    )


# --- German measures: "200 m", "15 Mio. m3", "120 Quadratmeter" -----------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ab einer Tiefe von 200 m fehlt der Sauerstoff.", [("200", "m")]),
        ("Täglich werden 15 Mio. m3 Erdöl verbraucht.", [("15000000", "m3")]),
        ("Die Wohnung hat 120 Quadratmeter und kostet 900 Euro.", [("120", "m2"), ("900", "eur")]),
        ("Der Tank fasst 5.000 Liter, das Feld misst 12 Hektar.", [("5000", "l"), ("12", "ha")]),
    ],
)
def test_german_measures(text: str, expected: list[tuple[str, str]]) -> None:
    assert values_units(text, "de") == [(Decimal(v), u) for v, u in expected]


# --- a verb form or a function word right after a number is no counted noun ----------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "333 constats ont été donnés, dont 324 concernant le casque.",
            "fr",
            [("333", "constat"), ("324", "constat")],
        ),
        ("Le village compte 1 200 habitants.", "fr", [("1200", "habitant")]),
        ("Del total, el 79 correspondió al sector privado.", "es", [("79", "")]),
        ("Ese año 25 llegaron tarde y 40 camiones salieron.", "es", [("25", ""), ("40", "camión")]),
        ("Do sieci należy 420 spośród nich.", "pl", [("420", "")]),
        (
            "Il y avait 40 participants, dont 12 venant de Lyon.",
            "fr",
            [("40", "participant"), ("12", "participant")],
        ),
        (
            "Za głosowało 290 posłów, a 133 się wstrzymało.",
            "pl",
            [("290", "poseł"), ("133", "poseł")],
        ),
    ],
)
def test_no_verb_or_function_word_as_the_noun(
    text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert values_units(text, lang) == [(Decimal(v), u) for v, u in expected]


# --- model and product numbers between parts of a name are no figures -------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Das Notebook mit Nvidia GTX 1060 (6 Gigabyte) kostet 832 Euro.",
            "de",
            [("6", "gigabyte"), ("832", "eur")],
        ),
        ("Es gibt Resident Evil 7 VR und 40 weitere Spiele.", "de", [("40", "spiel")]),
        ("Das Acer Aspire V 15 Nitro kostet 900 Euro.", "de", [("900", "eur")]),
        ("Der Britax Baby-Safe 2 i-Size kostet 370 €.", "de", [("370", "eur")]),
        ("Es läuft Windows Mobile 6.0 Professional auf 2 Geräten.", "de", [("2", "gerät")]),
        ("The Boeing 737 MAX was grounded, affecting 171 aircraft.", "en", [("171", "aircraft")]),
        (
            "Sony sold 5 million PS5 consoles and the RTX 4090 cards.",
            "en",
            [("5000000", "console")],
        ),
    ],
)
def test_product_numbers_are_no_figures(
    text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert values_units(text, lang) == [(Decimal(v), u) for v, u in expected]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Die SPD kam auf 25 Prozent, die CDU auf 31 Prozent.",
            "de",
            [("25", "percent"), ("31", "percent")],
        ),
        ("Die Firma zahlte USD 100 Millionen.", "de", [("100000000", "usd")]),
        ("NATO's 32 members met in Vilnius.", "en", [("32", "member")]),
        ("A 15 percent rise was reported.", "en", [("15", "percent")]),
        ("Growth reached 6.0 percent in May.", "en", [("6", "percent")]),
    ],
)
def test_figures_next_to_names_stay(text: str, lang: str, expected: list[tuple[str, str]]) -> None:
    assert values_units(text, lang) == [(Decimal(v), u) for v, u in expected]


# --- "en medio de", "por medio de": the middle or a means, not a half --------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "En medio de las críticas, el gobierno pagó a 60 mil jubilados.",
            "es",
            [("60000", "jubilado")],
        ),
        ("Lo dijo por medio de la oficina de prensa.", "es", []),
        (
            "Subió medio punto y vendió un millón y medio de entradas.",
            "es",
            [("0.5", "punto"), ("1500000", "entrada")],
        ),
        ("Ficou no meio da multidão com 300 pessoas.", "pt", [("300", "pessoa")]),
    ],
)
def test_the_middle_is_no_half(text: str, lang: str, expected: list[tuple[str, str]]) -> None:
    assert values_units(text, lang) == [(Decimal(v), u) for v, u in expected]


# --- thousands, then "a month earlier": no span of time -----------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Bezrobotnych było 534 tys. w marcu wobec 540 tys. miesiąc wcześniej.",
            "pl",
            [("534000", "current"), ("540000", "past")],
        ),
        (
            "Es waren 12 Mio. im Mai, nach 11 Mio. ein Jahr zuvor.",
            "de",
            [("12000000", "current"), ("11000000", "past")],
        ),
    ],
)
def test_a_scaled_number_before_a_singular_time_word(
    text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert [(f.value, f.time) for f in extract_figures(text, lang)] == [
        (Decimal(v), t) for v, t in expected
    ]


def test_spans_of_millions_of_years_stay_no_figures() -> None:
    assert extract_figures("Das Öl entstand vor 150 Mio. Jahren.", "de") == []
    assert extract_figures("It formed 150 million years ago.", "en") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "W głosowaniu 290 posłów było za, a 32 wstrzymało się od głosu.",
            [("290", "poseł"), ("32", "poseł")],
        ),
        (
            "Przyjęto ją przy 578 głosach za i 68 wstrzymujących się.",
            [("578", "głos"), ("68", "głos")],
        ),
        ("Na zbiórkę zgłosiło się 45 osób.", [("45", "osoba")]),
    ],
)
def test_a_polish_verb_before_sie_is_no_noun(text: str, expected: list[tuple[str, str]]) -> None:
    assert values_units(text, "pl") == [(Decimal(v), u) for v, u in expected]


# --- "near" words are about a number, not below it; "just over", "ab", "abajo del" bound it ---


def approx_bound(text: str, lang: str) -> list[tuple[Decimal, bool, str | None]]:
    return [(f.value, f.approx, f.bound) for f in extract_figures(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Knapp 300 Besucher kamen zum Konzert.", "de", [(Decimal(300), True, None)]),
        (
            "Le chantier a coûté près de 12 millions d'euros.",
            "fr",
            [(Decimal(12_000_000), True, None)],
        ),
        ("Blisko 40 osób zostało rannych.", "pl", [(Decimal(40), True, None)]),
        ("Das Gerät ist knapp unter 200 Euro zu haben.", "de", [(Decimal(200), True, "max")]),
    ],
)
def test_near_words_are_approx_without_bound(
    text: str, lang: str, expected: list[tuple[Decimal, bool, str | None]]
) -> None:
    assert approx_bound(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Das Paket wiegt knapp über drei Kilo.", "de", [(Decimal(3), False, "min")]),
        ("Tablets gibt es ab 200 Euro.", "de", [(Decimal(200), False, "min")]),
        ("Las ventas quedaron abajo del 20% de lo previsto.", "es", [(Decimal(20), False, "max")]),
        ("La inflación se ubicó arriba del 7%.", "es", [(Decimal(7), False, "min")]),
    ],
)
def test_just_over_from_and_below_bound_the_number(
    text: str, lang: str, expected: list[tuple[Decimal, bool, str | None]]
) -> None:
    assert approx_bound(text, lang) == expected


# --- "X or Y" of two rising numbers is a range; a possessive "s" before "$" is no S$ --------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Un 89 o 90% de los autos.", "es", (Decimal(89), "percent", (Decimal(89), Decimal(90)))),
        ("Llegaron 4 o 5 camiones.", "es", (Decimal(4), "camión", (Decimal(4), Decimal(5)))),
        ("Es kamen 20 oder 30 Leute.", "de", (Decimal(20), "leute", (Decimal(20), Decimal(30)))),
        ("Il faut 3 ou 4 %.", "fr", (Decimal(3), "percent", (Decimal(3), Decimal(4)))),
    ],
)
def test_two_numbers_joined_by_or_are_a_range(
    text: str, lang: str, expected: tuple[Decimal, str, tuple[Decimal, Decimal]]
) -> None:
    assert [(f.value, f.unit, f.range) for f in extract_figures(text, lang)] == [expected]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("Martin Scorsese’s $170 million film flopped.", "usd"),
        ("The company's $5 billion deal closed.", "usd"),
        ("It cost S$40 million.", "sgd"),
    ],
)
def test_possessive_s_before_dollar_is_no_singapore_dollar(text: str, unit: str) -> None:
    assert [f.unit for f in extract_figures(text, "en")] == [unit]


# --- resolutions, lists of days, month-and-year and "Prop. 13" are no figures -----------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Das Display hat 240 x 320 Pixel und 65.536 Farben.", "de", [(Decimal(65536), "farbe")]),
        ("A 1920×1080 px panel with 400 nits.", "en", [(Decimal(400), "nit")]),
        ("Ils arrivent le 28, 29 avril avec 3 bateaux.", "fr", [(Decimal(3), "bateau")]),
        ("El 5 y 6 de mayo llegaron 30 camiones.", "es", [(Decimal(30), "camión")]),
        ("Mai 2017. Emmanuel Macron nomme 3 ministres.", "fr", [(Decimal(3), "ministre")]),
        ("Im Mai 2017. Danach kamen 40 Gäste.", "de", [(Decimal(40), "gast")]),
        (
            "Re. “Prop. 13 proves costly,” he wrote about 30 schools.",
            "en",
            [(Decimal(30), "school")],
        ),
    ],
)
def test_resolutions_day_lists_month_years_and_measures_are_no_figures(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


# --- the value an earlier one is compared with is the newer one, whatever the sentence says ---


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "At the time, the county recorded 52 cases, up from 31 a week earlier.",
            "en",
            [(Decimal(52), "current"), (Decimal(31), "past")],
        ),
        (
            "Damals kostete das Gerät 299 Euro statt 399 Euro.",
            "de",
            [(Decimal(299), "current"), (Decimal(399), "past")],
        ),
        (
            "Wtedy bezrobotnych było 534 tys. wobec 540 tys. miesiąc wcześniej.",
            "pl",
            [(Decimal(534_000), "current"), (Decimal(540_000), "past")],
        ),
    ],
)
def test_value_before_a_cited_earlier_one_is_current(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert [(f.value, f.time) for f in extract_figures(text, lang)] == expected


# --- the ten of "nine out of ten" is the base of a proportion; the nine takes its noun --------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Huit voitures sur dix roulaient trop vite.", "fr", [(Decimal(8), "voiture")]),
        ("Nine out of ten doctors agree.", "en", [(Decimal(9), "doctor")]),
        ("Neun von zehn Deutschen sind dafür.", "de", [(Decimal(9), "deutscher")]),
        ("Ocho de cada diez hogares tienen internet.", "es", [(Decimal(8), "hogar")]),
        (
            "Die Ukraine hat 23 von 28 Drohnen abgeschossen.",
            "de",
            [(Decimal(23), "drohne"), (Decimal(28), "drohne")],
        ),
    ],
)
def test_base_of_a_proportion_is_no_figure(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


# --- a spelled number glued to a unit of time inside a compound is a span of time ---------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Ein Zwei-Stunden-Takt mit 40 Zügen.", "de", [(Decimal(40), "zug")]),
        ("Es gibt einen Drei-Jahres-Plan für 50 Schulen.", "de", [(Decimal(50), "schule")]),
        ("They held a two-hour-long meeting with 40 delegates.", "en", [(Decimal(40), "delegate")]),
    ],
)
def test_spelled_number_in_a_compound_of_time_is_a_span(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


# --- "a third" without "of" is the third of a list, no fraction ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One option is to stay, and a third is to join the trust.", []),
        (
            "Two teams advanced; a third was disqualified after 3 fouls.",
            [(Decimal(2), "team"), (Decimal(3), "foul")],
        ),
        (
            "A third of the 300 workers left.",
            [(Decimal("0.333333333333"), "worker"), (Decimal(300), "worker")],
        ),
    ],
)
def test_a_third_without_of_is_an_ordinal(text: str, expected: list[tuple[Decimal, str]]) -> None:
    assert values_units(text, "en") == expected


# --- the same quantity in another unit after a slash shares the qualifiers ------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Files over 20,480 KB/20 MB stay unencrypted.",
            "en",
            [(Decimal(20480), False, "min"), (Decimal(20), False, "min")],
        ),
        (
            "Die Strecke ist bis zu 8 km/5 Meilen lang.",
            "de",
            [(Decimal(8), False, "max"), (Decimal(5), False, "max")],
        ),
        (
            "Environ 10 km / 6 miles à pied.",
            "fr",
            [(Decimal(10), True, None), (Decimal(6), True, None)],
        ),
    ],
)
def test_slash_equivalent_shares_qualifiers(
    text: str, lang: str, expected: list[tuple[Decimal, bool, str | None]]
) -> None:
    assert approx_bound(text, lang) == expected


# --- a plural verb form right after a number is no counted noun ------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Les trois démissionneront en juin.", "fr", []),
        ("Selon la police, 300 manifestaient devant la mairie.", "fr", [(Decimal(300), "")]),
        (
            "Según la policía, 300 votarán mañana y 20 llegaban tarde.",
            "es",
            [(Decimal(300), ""), (Decimal(20), "")],
        ),
        ("Les 5 fronts restent ouverts.", "fr", [(Decimal(5), "front")]),
    ],
)
def test_plural_verb_after_a_number_is_no_noun(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


# --- a capitalised spelled number inside a sentence, before a capitalised word, names a thing --


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "The Five-hundred-meter Aperture Spherical Radio Telescope in China has 4,450 panels.",
            "en",
            [(Decimal(4450), "panel")],
        ),
        ("Les Trois Glorieuses ont fait 200 morts à Paris.", "fr", [(Decimal(200), "mort")]),
        ("Police Arrest Three Men After Chase", "en", [(Decimal(3), "man")]),
        ("Three men were arrested, police said.", "en", [(Decimal(3), "man")]),
    ],
)
def test_capitalised_spelled_number_inside_a_name(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, lang) == expected


# --- after an "-ed" compound adjective the counted noun may be a compound noun --------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "California’s three investor-owned power providers cut power.",
            [(Decimal(3), "provider")],
        ),
        ("The three state-owned oil companies grew.", [(Decimal(3), "company")]),
        ("The 3 affected water plants closed.", [(Decimal(3), "plant")]),
        ("Two armed men fled.", [(Decimal(2), "man")]),
    ],
)
def test_compound_noun_after_an_ed_adjective(
    text: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, "en") == expected


# --- a dated value is past only beside a newer one: an undated value well before it is another --


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "El sindicato pide una suba de 60 por ciento y acaba de medir la inflación de abril"
            " en 5,3 por ciento.",
            "es",
            [(Decimal(60), "current"), (Decimal("5.3"), "current")],
        ),
        (
            "The union demands a raise of 12 percent, and the statistics office put inflation"
            " in March at 3.1 percent.",
            "en",
            [(Decimal(12), "current"), (Decimal("3.1"), "current")],
        ),
        (
            "Die Gewerkschaft fordert 8 Prozent mehr Lohn, und das Statistikamt bezifferte die"
            " Inflation im März auf 3,1 Prozent.",
            "de",
            [(Decimal(8), "current"), (Decimal("3.1"), "current")],
        ),
        (
            "La inflación fue de 5,3 por ciento, algo por debajo del 6,7% de marzo.",
            "es",
            [(Decimal("5.3"), "current"), (Decimal("6.7"), "past")],
        ),
    ],
)
def test_dated_value_after_another_undated_one_is_not_past(
    text: str, lang: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert [(f.value, f.time) for f in extract_figures(text, lang)] == expected


# --- a date right after a figure dates that figure, and older years keep their order ------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Leur part a baissé de 23,1 % en 2018 à 10 % en 2019. Rapport du 1er avril 2020.", "fr"),
        ("Der Anteil sank von 23,1 Prozent im Jahr 2018 auf 10 Prozent im Jahr 2019.", "de"),
        ("Their share fell from 23.1% in 2018 to 10% in 2019, the 2020 report says.", "en"),
    ],
)
def test_date_after_a_figure_dates_it(text: str, lang: str) -> None:
    assert [(f.value, f.time) for f in extract_figures(text, lang)] == [
        (Decimal("23.1"), "past"),
        (Decimal(10), "current"),
    ]


# --- "the two" with a definite article means "both": no count ------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "L'accord entre les deux pays prévoit 300 millions d'euros.",
            "fr",
            [(Decimal(300_000_000), "eur")],
        ),
        ("The two companies will cut 500 jobs.", "en", [(Decimal(500), "job")]),
        ("Los dos equipos sumaron 40 puntos.", "es", [(Decimal(40), "punto")]),
        ("They bought two cars.", "en", [(Decimal(2), "car")]),
        ("Kupił jabłka i dwa banany.", "pl", [(Decimal(2), "banan")]),
    ],
)
def test_the_two_is_both(text: str, lang: str, expected: list[tuple[Decimal, str]]) -> None:
    assert values_units(text, lang) == expected


# --- "increasing from X" cites an earlier value; "rising from X to Y" stays a change -----------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Poland reported 25.9 new cases, increasing from 15.6 in the week prior.",
            [(Decimal("25.9"), "current", None), (Decimal("15.6"), "past", None)],
        ),
        (
            "Sales climbed, rising from 35 million to 40 million.",
            [(Decimal(35_000_000), "past", None), (Decimal(40_000_000), "current", None)],
        ),
        (
            "Positivity nearly doubled, increasing from 3.9 per cent to 5.8 per cent.",
            [(Decimal("3.9"), "past", None), (Decimal("5.8"), "current", None)],
        ),
    ],
)
def test_verb_from_cites_an_earlier_value(
    text: str, expected: list[tuple[Decimal, str, tuple[Decimal, Decimal] | None]]
) -> None:
    assert [(f.value, f.time, f.range) for f in extract_figures(text, "en")] == expected


# --- a singular unit glued by a hyphen ("a 10-kilometre race") measures -------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A 10-kilometre race closed the road.", [(Decimal(10), "km")]),
        ("A 5-mile stretch of road was shut.", [(Decimal(5), "mile")]),
        ("Its 300-metre-wide crater is visible.", [(Decimal(300), "m")]),
        ("They carried a 3-kilogram bag.", [(Decimal(3), "kg")]),
    ],
)
def test_singular_unit_after_a_hyphen_measures(
    text: str, expected: list[tuple[Decimal, str]]
) -> None:
    assert values_units(text, "en") == expected
