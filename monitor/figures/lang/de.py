"""German."""

from monitor.figures.lang import Language

UNITS = {
    "prozent": "percent",
    "prozentpunkte": "percentage point",
    "prozentpunkten": "percentage point",
    "prozentpunkt": "percentage point",
    "euro": "eur",
    "us-dollar": "usd",
    "dollar": "usd",
    "pfund": "gbp",
    "franken": "chf",
    "rubel": "rub",
    "griwna": "uah",
    "hrywnja": "uah",
    "hrywnja-": "uah",
    "yen": "jpy",
    "yuan": "cny",
    "won": "krw",
    "tonnen": "tonne",
    "tonne": "tonne",
    "kilometer": "km",
    "kilogramm": "kg",
    "barrel": "barrel",
}

LANGUAGE = Language(
    code="de",
    decimal=",",
    noun_style="capital",
    markers="der|die|und|das|nicht|ist|mit|den|sich|auf|für|dem|eine|ein|wurde|nach|auch|hat|von|zu|"
    "es|wurden|werden|wird|sind|über|im|bei|sie|er|haben|hatte|noch|seit|wie|aus",
    magnitudes={
        "tsd.": 10**3,
        "tsd": 10**3,
        "tausend": 10**3,
        "mio.": 10**6,
        "mio": 10**6,
        "million": 10**6,
        "millionen": 10**6,
        "mrd.": 10**9,
        "mrd": 10**9,
        "milliarde": 10**9,
        "milliarden": 10**9,
        "bio.": 10**12,
        "billion": 10**12,
        "billionen": 10**12,
    },
    number_words={
        "null": 0,
        "ein": 1,
        "eins": 1,
        "eine": 1,
        "einer": 1,
        "einen": 1,
        "zwei": 2,
        "zwo": 2,
        "drei": 3,
        "vier": 4,
        "fünf": 5,
        "sechs": 6,
        "sieben": 7,
        "acht": 8,
        "neun": 9,
        "zehn": 10,
        "elf": 11,
        "zwölf": 12,
        "dreizehn": 13,
        "vierzehn": 14,
        "fünfzehn": 15,
        "sechzehn": 16,
        "siebzehn": 17,
        "achtzehn": 18,
        "neunzehn": 19,
        "zwanzig": 20,
        "dreißig": 30,
        "vierzig": 40,
        "fünfzig": 50,
        "sechzig": 60,
        "siebzig": 70,
        "achtzig": 80,
        "neunzig": 90,
        "hundert": 100,
        "tausend": 1000,
        "million": 10**6,
        "millionen": 10**6,
        "milliarde": 10**9,
        "milliarden": 10**9,
    },
    infixes="und",
    fractions={
        "anderthalb": "1.5",
        "eineinhalb": "1.5",
        "zweieinhalb": "2.5",
        "dreieinhalb": "3.5",
        "ein drittel": "0.333333333333",
        "zwei drittel": "0.666666666667",
        "ein viertel": "0.25",
        "drei viertel": "0.75",
        "ein dutzend": "12",
        "eine halbe": "0.5",
        "ein halbes": "0.5",
        "einer halben": "0.5",
    },
    vague={
        "dutzende": 12,
        "hunderte": 100,
        "tausende": 1000,
        "zehntausende": 10000,
        "hunderttausende": 100000,
        "millionen": 10**6,
        "milliarden": 10**9,
    },
    approx="etwa|rund|ca.|circa|zirka|ungefähr|annähernd|schätzungsweise|an die|um die|gegen|"
    "geschätzt|geschätzte|geschätzten|rd.|grob",
    at_least="über|mehr als|mindestens|wenigstens|zumindest|weit über|weit mehr als|gut|"
    "gut über|deutlich mehr als|deutlich über|über die|oberhalb von",
    exceed_verbs="überstieg|übersteig|übertraf|übertrifft|übertroffen|überschritt|überschreit|knackte|geknackt",
    amount_words="über",
    amount_nouns="rechnung|scheck|vertrag|verträge|auftrag|aufträge|kredit|darlehen|anleihe|"
    "bürgschaft|forderung|klage|bußgeld|strafe|summe|betrag|investition|paket|deal|"
    "vereinbarung|spende|überweisung|zahlung|bestellung|order|schadenersatz|zuschuss|"
    "förderung|hilfspaket|finanzierung|kaufpreis|angebot|gebot|übernahmeangebot|kapitalerhöhung",
    cited_extreme_last="von|mit|bei",
    cited_extreme=r"(?:rekordhoch|rekordtief|höchststand|tiefststand|rekord|allzeithoch|hoch|"
    r"tief|spitzenwert)\s+(?:von|aus|im\s+jahr)\s+(?:19|20)\d\d\s+(?:von|mit|bei)",
    age_words="im alter von|im alter zwischen|alter von|jährige zwischen",
    at_most="bis zu|höchstens|maximal|weniger als|unter|nicht mehr als|allenfalls|unter den",
    nearly="fast|beinahe|nahezu|knapp|knapp unter",
    at_least_after="oder mehr|und mehr",
    between=(("zwischen", "und"),),
    range_words="bis|-|–|—",
    from_to=(("von", "auf"),),
    past_before="noch|zuvor|gegenüber|nach zuvor|statt|anstatt|damals|vorher|früher|"
    "ursprünglich|nach damals",
    past_words="damals|seinerzeit|zuvor|vorher|früher|ursprünglich|vormals",
    past_pattern=r"\bhatten?\b[^.;]*?\b(?:mitgeteilt|berichtet|gemeldet|erklärt|gesagt|"
    r"angegeben|geschätzt|bekanntgegeben|geschrieben|veröffentlicht|gezählt|beziffert|genannt)\b",
    current_words="jetzt|nun|inzwischen|mittlerweile|derzeit|aktuell|zurzeit|momentan|heute|"
    "gegenwärtig|bislang|bisher|seither|nunmehr",
    past_dates="im vorjahr|vorjahr|im vergangenen jahr|vergangenes jahr|letztes jahr|"
    "im letzten jahr|vor einem jahr|im vormonat|vormonat|vor einem monat|im vorjahreszeitraum|"
    "vorjahreszeitraum|im jahr zuvor|ein jahr zuvor|im vorquartal",
    months="januar|jänner|februar|feber|märz|april|mai|juni|juli|august|september|oktober|"
    "november|dezember|jan.|feb.|febr.|apr.|aug.|sep.|sept.|okt.|nov.|dez.",
    since="seit|bis|ab|stand|per|bis ende|bis anfang|bis mitte|seit anfang|seit mitte|seit ende",
    year_cues="im|in|seit|bis|ab|von|vom|jahr|jahre|jahres|mitte|anfang|ende|frühjahr|frühling|"
    "sommer|herbst|winter|um|vor|nach|zwischen|und|zum|bis zum|jahrgang|saison|wahl|wm|em",
    units=UNITS,
    id_words="kaliber|kalibers|resolution|nr.|nummer|no.|seite|seiten|s.|artikel|art.|"
    "paragraf|paragraph|§|§§|absatz|abs.|kapitel|ziffer|platz|rang|gleis|linie|flug|zimmer|"
    "version|typ|modell|band|bd.|heft|folge|staffel|teil|az.|aktenzeichen|kw|kalenderwoche|"
    "punkt|tagesordnungspunkt|top|runde|etappe|spieltag|buslinie|ausgabe|nummer|haus|raum|"
    "anschlussstelle|anschlussstellen|ausfahrt|ausfahrten|abfahrt|bahnsteig|zug|ice|ic|tram|"
    "straßenbahn|bundesstraße|autobahn|landesstraße|kreisstraße|terminal",
    model_words="leopard|boeing|airbus|patriot|iphone|windows|challenger|abrams|apollo|sojus|"
    "block|mark|mk|gen|ps|playstation|galaxy|pixel|covid|sars-cov|marder|gepard|iris-t",
    spec_units="mm|millimeter|zentimeter|cm|zoll|mm-|millimeter-",
    ordinal_dot=True,
    stopwords="der|die|das|den|dem|des|ein|eine|einen|einem|einer|und|oder|in|im|ins|an|am|auf|"
    "aus|bei|beim|mit|nach|von|vom|zu|zum|zur|für|gegen|über|unter|vor|seit|bis|durch|um|ohne|"
    "als|wie|es|sie|er|wir|ihr|sind|ist|war|waren|wurden|wurde|werden|hat|haben|hatte|hatten|"
    "sei|seien|habe|noch|schon|bereits|nur|auch|pro|je|jeweils|insgesamt|allein|zusammen|"
    "davon|mal|dass|daß|so|sowie|aber|doch|nicht|kein|keine|laut|pro|täglich|jährlich|"
    "monatlich|mehr|weniger|vs.|gegenüber|statt|was|wo|wobei|dabei",
    skip_words="weitere|weiteren|neue|neuen|zusätzliche|zusätzlichen|andere|anderen|rund",
    of_words="an",
    number_of="zahl der|anzahl der|zahl an|anzahl an|zahl von|anzahl von|zahl|anzahl|summe der",
    relations={
        "verdoppel": "double",
        "verdopplung": "double",
        "doppelt so": "double",
        "zweimal so": "double",
        "verdreifach": "triple",
        "dreimal so": "triple",
        "vervierfach": "quadruple",
        "viermal so": "quadruple",
        "halbiert": "half",
        "halbierung": "half",
        "halb so": "half",
        "verzehnfach": "tenfold",
    },
    durations="jahr|jahre|jahren|jahres|monat|monate|monaten|woche|wochen|tag|tage|tagen|stunde|stunden|minute|minuten|sekunde|sekunden|jahrzehnt|jahrzehnte|jahrzehnten|jahrhundert|jahrhunderte",
    ago_before="vor",
    ago_after="zuvor|davor|früher",
    phone_words="tel.|telefon|telefonnummer|hotline|rufnummer|notruf|anrufen|unter der nummer|fax",
    versus="gegenüber|gegenüber dem|im vergleich zum|im vergleich zu|verglichen mit|als im|als",
    multiples="mal",
    street_before=r"(?:[A-ZÄÖÜ][\wäöüß-]+(?:straße|strasse|str\.|gasse|weg|allee|damm|ufer|chaussee)|[A-ZÄÖÜ][\wäöüß]+e[rn]?\s(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Ring|Damm|Gasse))",
)
