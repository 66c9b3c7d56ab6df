"""English names for the places a French article names: an English answer says "near
Palmyra", not "near Palmyre".

The small model often keeps the French form of a place in an English answer ("The US
forces operate in Syrie…"). Names are checked against the article before this runs (a
claim's "Syrie" is the article's "Syrie"); only the English prose is changed afterwards,
never a quote. The table is the common French exonyms of countries, regions and cities.
"""

from __future__ import annotations

import re

from bot.citations import QUOTED

_FRENCH_TO_ENGLISH = {
    # the Middle East
    "Syrie": "Syria", "Palmyre": "Palmyra", "Damas": "Damascus", "Alep": "Aleppo",
    "Irak": "Iraq", "Bagdad": "Baghdad", "Liban": "Lebanon", "Beyrouth": "Beirut",
    "Jordanie": "Jordan", "Turquie": "Turkey", "Israël": "Israel", "Jérusalem": "Jerusalem",
    "Cisjordanie": "West Bank", "Égypte": "Egypt", "Le Caire": "Cairo",
    "Téhéran": "Tehran", "Arabie saoudite": "Saudi Arabia", "Riyad": "Riyadh",
    "Yémen": "Yemen", "Koweït": "Kuwait", "Émirats arabes unis": "United Arab Emirates",
    "Chypre": "Cyprus", "Arménie": "Armenia",
    # the Americas
    "États-Unis": "United States", "Etats-Unis": "United States", "Amérique": "America",
    "Mexique": "Mexico", "Brésil": "Brazil", "Argentine": "Argentina",
    "Pérou": "Peru", "Colombie": "Colombia", "Haïti": "Haiti",
    # Europe
    "Royaume-Uni": "United Kingdom", "Angleterre": "England", "Écosse": "Scotland",
    "Irlande": "Ireland", "Allemagne": "Germany", "Espagne": "Spain", "Italie": "Italy",
    "Belgique": "Belgium", "Suisse": "Switzerland", "Pays-Bas": "Netherlands",
    "Autriche": "Austria", "Pologne": "Poland", "Grèce": "Greece", "Suède": "Sweden",
    "Norvège": "Norway", "Danemark": "Denmark", "Finlande": "Finland", "Russie": "Russia",
    "Londres": "London", "Moscou": "Moscow", "Genève": "Geneva", "Bruxelles": "Brussels",
    "Lisbonne": "Lisbon", "Varsovie": "Warsaw", "Vienne": "Vienna", "Athènes": "Athens",
    "Méditerranée": "Mediterranean",
    # Africa and Asia
    "Afrique": "Africa", "Algérie": "Algeria", "Maroc": "Morocco", "Tunisie": "Tunisia",
    "Libye": "Libya", "Soudan": "Sudan", "Éthiopie": "Ethiopia", "Cameroun": "Cameroon",
    "Chine": "China", "Pékin": "Beijing", "Japon": "Japan", "Inde": "India",
    "Corée du Sud": "South Korea", "Corée du Nord": "North Korea", "Indonésie": "Indonesia",
    "Malaisie": "Malaysia", "Thaïlande": "Thailand", "Cambodge": "Cambodia",
    "Australie": "Australia", "Nouvelle-Zélande": "New Zealand",
}
_NAMES = re.compile(
    r"(?<![\w'’-])(" + "|".join(re.escape(n) for n in sorted(_FRENCH_TO_ENGLISH, key=len,
                                                            reverse=True)) + r")(?![\w'’-])")


def in_english(answer: str) -> str:
    """``answer`` with French place names turned English, outside its « quotes »."""
    def swap(text: str) -> str:
        return _NAMES.sub(lambda m: _FRENCH_TO_ENGLISH[m.group(1)], text)

    out, last = [], 0
    for m in QUOTED.finditer(answer):
        out += [swap(answer[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join([*out, swap(answer[last:])])
