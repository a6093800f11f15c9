"""English."""

from monitor.figures.lang import Language

UNITS = {
    "percent": "percent",
    "per cent": "percent",
    "pct": "percent",
    "percentage points": "percentage point",
    "percentage point": "percentage point",
    "pp": "percentage point",
    "euros": "eur",
    "euro": "eur",
    "us dollars": "usd",
    "dollars": "usd",
    "dollar": "usd",
    "pounds": "gbp",
    "pounds sterling": "gbp",
    "rubles": "rub",
    "roubles": "rub",
    "hryvnias": "uah",
    "hryvnia": "uah",
    "yen": "jpy",
    "yuan": "cny",
    "won": "krw",
    "swiss francs": "chf",
    "tonnes": "tonne",
    "tons": "tonne",
    "tonne": "tonne",
    "ton": "tonne",
    "kilometres": "km",
    "kilometers": "km",
    "miles": "mile",
    "kilograms": "kg",
    "barrels": "barrel",
}

LANGUAGE = Language(
    code="en",
    decimal=".",
    noun_style="plural",
    markers="the|and|of|to|is|that|for|was|with|has|have|had|on|by|from|said|were|it|its|which|"
    "are|been|be|this|at|more|than|about|after|they|he|she|will|would|could|not|but",
    magnitudes={
        "thousand": 10**3,
        "k": 10**3,
        "million": 10**6,
        "millions": 10**6,
        "mln": 10**6,
        "mn": 10**6,
        "m": 10**6,
        "billion": 10**9,
        "billions": 10**9,
        "bn": 10**9,
        "b": 10**9,
        "trillion": 10**12,
        "tn": 10**12,
    },
    number_words={
        "zero": 0,
        "one": 1,
        "a": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "thousand": 1000,
        "million": 10**6,
        "billion": 10**9,
        "trillion": 10**12,
    },
    joiners="and",
    fractions={
        "half a": "0.5",
        "half an": "0.5",
        "one and a half": "1.5",
        "a half": "0.5",
        "a third": "0.333333333333",
        "one third": "0.333333333333",
        "two thirds": "0.666666666667",
        "two-thirds": "0.666666666667",
        "a quarter": "0.25",
        "one quarter": "0.25",
        "three quarters": "0.75",
        "three-quarters": "0.75",
        "a dozen": "12",
        "half a dozen": "6",
        "two and a half": "2.5",
        "three and a half": "3.5",
    },
    vague={
        "dozens": 12,
        "scores": 20,
        "hundreds": 100,
        "thousands": 1000,
        "tens of thousands": 10000,
        "hundreds of thousands": 100000,
        "millions": 10**6,
        "tens of millions": 10**7,
        "hundreds of millions": 10**8,
        "billions": 10**9,
    },
    approx="about|around|some|roughly|approximately|approx.|an estimated|estimated|circa|ca.|"
    "close to|in the region of|on the order of|an approximate|round about|nearly about",
    at_least="more than|over|at least|upwards of|in excess of|above|well over|well above|"
    "no fewer than|no less than|a minimum of|at minimum|beyond|exceeding|topping|"
    "more than about",
    at_most="up to|as many as|as much as|at most|no more than|fewer than|less than|under|"
    "below|a maximum of|not more than|maximum of|as high as",
    nearly="nearly|almost|just under|close to|just shy of|just below|short of",
    at_least_after="or more|plus|and more|and above|or above",
    at_most_after="or less|or fewer|at most",
    between=(("between", "and"),),
    range_words="to|-|–|—|or",
    from_to=(("from", "to"),),
    change_verbs="rose|risen|rise|rising|grew|grown|increas|jump|climb|surg|soar|fell|fallen|"
    "drop|declin|decreas|doubl|tripl|went|gone|shrank|shrunk|swell|swollen|expand|mov|balloon|"
    "boost|rais|cut|reduc|up|down",
    past_before="up from|down from|compared with|compared to|versus|vs.|vs|previously|"
    "initially|originally|formerly|rising from|falling from",
    past_words="previously|at the time|back then|at that time|then-|formerly|originally|"
    "initially|had been|earlier estimates|earlier estimate|in the past",
    past_pattern=r"\bhad\s+(?:\w+\s+)?(?:said|reported|estimated|announced|stated|told|counted|"
    r"put|given|claimed|shipped|sent|delivered|been)\b",
    current_words="now|currently|today|so far|to date|presently|at present|as of now|thus far",
    past_dates="last year|a year ago|a year earlier|the previous year|the year before|"
    "last month|a month ago|a month earlier|the previous month|earlier this year|"
    "the same period last year|a year before|last week|a week earlier|in the past",
    months="january|february|march|april|june|july|august|september|october|november|"
    "december|jan.|feb.|mar.|apr.|jun.|jul.|aug.|sep.|sept.|oct.|nov.|dec.|may",
    since="since|as of|by|until|through|till|as at|by the end of|through the end of",
    year_cues="in|since|by|until|of|mid|mid-|early|late|from|to|and|the|year|spring|summer|"
    "autumn|fall|winter|before|after|during|around|between|fiscal|fy|season|class|election|"
    "cup|games|through|till",
    units=UNITS,
    id_words="calibre|caliber|resolution|no.|nr.|number|page|pages|p.|pp.|article|art.|rank|"
    "ranked|ranking|"
    "section|sec.|chapter|paragraph|para.|clause|flight|route|highway|line|room|gate|platform|"
    "version|type|model|block|volume|vol.|issue|episode|season|part|level|grade|item|id|"
    "case|docket|bill|act|amendment|rule|regulation|directive|directive no.|form|unit|ward|"
    "district|precinct|interstate|road|exit|channel|track|round|stage|matchday|week|day|"
    "phase|tier|category|class|batch|lot|serial|code|reference|ref.|file",
    model_words="leopard|boeing|airbus|patriot|iphone|windows|challenger|abrams|apollo|soyuz|"
    "mark|mk|gen|playstation|galaxy|pixel|covid|sars-cov|bradley|stryker|gepard|iris-t|"
    "mig|su|tu",
    spec_units="mm|millimeter|millimetre|cm|centimeter|centimetre|inch|inches|in.|mm-|calibre",
    ordinal_suffixes="st|nd|rd|th",
    stopwords="the|a|an|and|or|of|in|on|at|to|for|from|by|with|as|into|than|that|this|these|"
    "those|it|its|they|their|was|were|is|are|be|been|being|has|have|had|will|would|could|"
    "can|may|might|should|per|each|a|which|who|while|since|during|over|under|about|after|"
    "before|between|last|this|next|earlier|later|ago|so|but|not|no|only|just|also|more|less|"
    "fewer|up|down|out|all|both|total|altogether|apiece|annually|daily|monthly|yearly|"
    "year|years|old|times|vs|versus|compared|according|said|says",
    skip_words="more|additional|new|extra|other|further|another|some|estimated|such|"
    "unused|old|used|modern|heavy|light|large|small|big|north|south|korean|russian|american|"
    "ukrainian|chinese|iranian|military|civilian|active|reserve|armed|foreign",
    of_words="of",
    number_of="number of|total of|count of|tally of|number|count|total|tally",
    relations={
        "doubl": "double",
        "twice as": "double",
        "two times": "double",
        "two-fold": "double",
        "twofold": "double",
        "tripl": "triple",
        "three times": "triple",
        "threefold": "triple",
        "three-fold": "triple",
        "quadrupl": "quadruple",
        "four times": "quadruple",
        "halved": "half",
        "half as": "half",
        "halving": "half",
        "tenfold": "tenfold",
        "ten times": "tenfold",
    },
    durations="year|years|month|months|week|weeks|day|days|hour|hours|minute|minutes|second|seconds|decade|decades|century|centuries",
    ago_after="ago|earlier|before",
    phone_words="call|phone|tel.|telephone|hotline|helpline|dial|fax",
    versus="than|compared with|compared to|versus|vs.|over",
    multiples="times",
)
