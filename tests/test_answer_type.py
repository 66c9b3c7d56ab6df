"""Questions asking for a number or a date are answered only by sentences holding one."""

import pytest

from bot.answer_type import Kind, expected_kind, holds_kind
from bot.roles import counts_people

AMBUSH = ("Le Commandement central américain (CENTCOM) a indiqué samedi que deux soldats "
          "américains et un civil avaient trouvé la mort.")
OPERATION = ("Les autorités syriennes ont lancé une opération de sécurité ciblant des "
             "cellules de l’ISIS/Daech dans les zones rurales de la province de Homs.")
COALITION = "La coalition internationale anti-EI a été créée en 2014."


@pytest.mark.parametrize(("question", "kind"), [
    ("How many soldiers were wounded?", Kind.NUMBER),
    ("Combien de civils ont été blessés ?", Kind.NUMBER),
    ("Et combien ont été blessés ?", Kind.NUMBER),
    ("Quel âge a Marco Rubio ?", Kind.NUMBER),
    ("Quelle est la population de Palmyre ?", Kind.NUMBER),
    ("How much money did the United States give Syria?", Kind.NUMBER),
    ("When was the coalition created?", Kind.DATE),
    ("Quand la coalition a-t-elle été fondée ?", Kind.DATE),
    ("En quelle année la Syrie a-t-elle rejoint la coalition ?", Kind.DATE),
    ("What day did CENTCOM report the deaths?", Kind.DATE),
    ("Depuis quand la Syrie fait-elle partie de la coalition ?", Kind.DATE),
    ("How long has the new government been in power?", Kind.NUMBER_OR_DATE),
    ("Depuis combien de temps la coalition existe-t-elle ?", Kind.NUMBER_OR_DATE),
    ("How many years did the war last?", Kind.NUMBER_OR_DATE),
    ("Combien d’années la guerre a-t-elle duré ?", Kind.NUMBER_OR_DATE),
    ("What were the names of the soldiers who died?", Kind.NAME),
    ("Comment s’appelle le combattant qui a mené l’embuscade ?", Kind.NAME),
    ("Quel est le nom du président syrien ?", Kind.NAME),
    ("Quand la population de Raqqa a-t-elle été évacuée ?", Kind.DATE),
    ("Which year did Syria join?", Kind.DATE),
    ("What is the death toll?", Kind.NUMBER),
    ("Quel est le bilan de l’attaque ?", Kind.NUMBER),
    ("Quel a été le bilan de l’embuscade ?", Kind.NUMBER),
    ("Quelle a été la durée de l’appel ?", Kind.NUMBER_OR_DATE),
    ("Where did the ambush take place?", Kind.PLACE),
    ("Et où cela s’est-il passé ?", Kind.PLACE),
    # Where news comes from asks for its source; where a person comes from, a place.
    ("D’où vient l’information sur l’échange entre les deux ministres ?", None),
    ("Where does the information come from?", None),
    ("D’où vient Marco Rubio ?", Kind.PLACE),
    ("Dans quelle province l’opération a-t-elle lieu ?", Kind.PLACE),
    ("In which country do US forces operate?", Kind.PLACE),
    ("Où en est la coalition ?", None),
    ("Who died near Palmyra?", None),
    ("What happened when the soldiers arrived?", None),  # "when" inside: no date asked
    ("When asked about the attack, what did Rubio say?", None),
    ("Comment la population de Homs a-t-elle réagi ?", None),
    ("How did the population of Homs react?", None),
    ("Have the names of the victims been released?", None),
    ("How much influence does Russia keep in Syria?", None),
    ("How far did the rebels advance?", None),
    ("Qui est Marco Rubio ?", None),
])
def test_kinds(question: str, kind: Kind | None) -> None:
    assert expected_kind(question) is kind


def test_numbers_answer_how_many_but_a_topical_sentence_does_not() -> None:
    assert holds_kind("How many soldiers died?", [AMBUSH])
    assert not holds_kind("How many cells were dismantled in Homs province?", [OPERATION])
    assert not holds_kind("Quel âge a Marco Rubio ?", ["Marco Rubio a réaffirmé l’appui."])


@pytest.mark.parametrize(("question", "holds"), [
    ("How many Syrian soldiers were killed?", False),  # the sentence counts Americans
    ("How many American soldiers died?", True),
    ("How many Daesh fighters led the ambush?", True),  # "Daech", written otherwise
    ("How many US soldiers died?", True),  # two letters: too short to look up
    ("How many soldiers were wounded?", True),
])
def test_a_count_of_named_things_needs_the_name(question: str, holds: bool) -> None:
    ambush = AMBUSH.rstrip(".") + " lors d’une embuscade menée par un combattant de Daech."
    assert holds_kind(question, [ambush]) is holds


def test_one_of_the_very_thing_asked_counts() -> None:
    assert holds_kind("How many civilians died?", ["Un civil a été tué."])
    assert not holds_kind("How many cells were dismantled?", ["Une opération a été lancée."])


def test_the_questions_own_numbers_are_no_answer() -> None:
    assert not holds_kind("How many soldiers died in 2014?", [COALITION])
    assert holds_kind("Combien de pays ont rejoint la coalition en 2014 ?",
                      [COALITION.replace("créée", "créée par 80 pays")])


def test_dates_are_days_months_years_or_relative() -> None:
    assert holds_kind("Quand la coalition a-t-elle été fondée ?", [COALITION])
    assert holds_kind("When was the ambush reported?", [AMBUSH])  # samedi
    assert holds_kind("Quand le ministre a-t-il parlé ?", ["Le ministre a parlé hier."])
    assert not holds_kind("When did the operation start?", [OPERATION])
    assert holds_kind("How long has the coalition existed?", [COALITION])


def test_questions_of_no_known_kind_are_never_refused_here() -> None:
    assert holds_kind("Who died near Palmyra?", [OPERATION])


PRESIDENT = ("Il a transmis les condoléances du président syrien Ahmed al-Charaa à son "
             "homologue américain, Donald Trump.")


def test_a_name_question_needs_a_name_from_the_sentences_in_the_answer() -> None:
    question = "What is the name of the Syrian president?"
    assert holds_kind(question, [PRESIDENT], "The Syrian president is Ahmed al-Charaa [1].")
    assert not holds_kind(question, [PRESIDENT], "The president of Syria sent condolences [1].")
    # A nationality the article writes in lower case is no name.
    assert not holds_kind("What were the names of the soldiers who died?", [AMBUSH],
                          "Two American soldiers and a civilian died [1].")
    # Quoting has no answer of its own: the sentence must name someone the question does not.
    assert holds_kind(question, [PRESIDENT])
    assert not holds_kind("Comment s’appelle le président Ahmed al-Charaa ?",
                          ["Le président Ahmed al-Charaa a parlé."])


def test_a_person_s_name_is_what_a_question_on_a_person_asks_for() -> None:
    soldiers = "What were the names of the soldiers who died?"
    ambush = ("Le Commandement central américain (CENTCOM) a indiqué que deux soldats "
              "américains avaient trouvé la mort dans une embuscade menée par Daech.")
    # Names, but of no person: neither the answer nor a quote says who they were.
    assert not holds_kind(soldiers, [ambush], "CENTCOM reported that two soldiers died in "
                                              "an ambush by Daech [1].")
    assert not holds_kind(soldiers, [ambush])
    # Asked of a person, a person's name; asked of something else, any name.
    assert holds_kind("Comment s’appelle l’homologue américain ?", [PRESIDENT],
                      "C’est Donald Trump [1].")
    assert not holds_kind("Comment s’appelle l’homologue américain ?", [PRESIDENT],
                          "Il a transmis les condoléances de Damas [1].")
    assert holds_kind("Quel est le nom du président ?", ["Le président Macron a parlé."])
    assert holds_kind("Comment s’appelle le commandement ?", [ambush],
                      "Le Commandement central américain (CENTCOM) [1].")


def test_round_and_vague_quantities_answer_how_many() -> None:
    assert holds_kind("Combien de manifestants ?", ["Des milliers de manifestants ont défilé."])
    assert holds_kind("How many cells were dismantled?",
                      ["Plusieurs cellules ont été démantelées."])
    assert not holds_kind("Combien de milliers de manifestants ?", ["Des milliers ont défilé."])


@pytest.mark.parametrize(("question", "sentence"), [
    ("How many soldiers died?", "Vingt-deux soldats sont morts."),
    ("Combien de victimes ?", "L’attaque n’a fait aucune victime."),
    ("How many people died?", "Only one person died."),
    ("Combien de civils sont morts ?", "Un seul civil est mort."),
    ("How many soldiers died in the two attacks?", "Two soldiers died."),
    ("When was the statement issued?", "The statement was issued earlier this month."),
    ("Quand le ministre est-il arrivé ?", "Le ministre est arrivé ce week-end."),
])
def test_answers_written_without_digits(question: str, sentence: str) -> None:
    assert holds_kind(question, [sentence])


@pytest.mark.parametrize(("sentence", "holds"), [
    (OPERATION, True),  # "la province de Homs"
    ("Les forces américaines opèrent en Syrie.", True),
    ("Le ministre est mort à Damas.", True),
    ("Marco Rubio a réaffirmé l’appui constant des États-Unis au gouvernement syrien.", False),
    ("Un entretien téléphonique a eu lieu entre le ministre et Marco Rubio.", False),
])
def test_a_place_question_needs_a_place(sentence: str, holds: bool) -> None:
    assert holds_kind("Where did it happen?", [sentence]) is holds


@pytest.mark.parametrize(("answer", "holds"), [
    ("The Syrian authorities launched the operation on Sunday [1].", False),
    ("The operation targeted cells in the rural areas of Homs province [1].", True),
    ("In Homs [1].", True),
    ("Près de Homs [1].", True),
])
def test_a_place_question_needs_a_place_in_the_answer_too(answer: str, holds: bool) -> None:
    assert holds_kind("Where did the Syrian authorities launch the operation?", [OPERATION],
                      answer) is holds


def test_a_place_named_without_a_preposition_answers_which_country() -> None:
    assert holds_kind("Which country joined the coalition?",
                      ["La coalition opère en Syrie, que la Syrie a rejointe."],
                      "Syria joined the coalition [1].")


WOUNDED = ("deux soldats américains et un civil avaient trouvé la mort, tandis que trois "
           "autres militaires avaient été blessés lors d’une embuscade menée par un "
           "combattant de Daech.")


@pytest.mark.parametrize(("question", "answer", "holds"), [
    ("And how many were wounded?", "The soldiers were wounded by a Daech fighter [1].", False),
    ("And how many were wounded?", "Three other soldiers were wounded [1].", True),
    ("Combien de militaires ont été blessés ?", "Ils ont été blessés par un combattant [1].",
     False),
    ("Combien de militaires ont été blessés ?", "Trois militaires ont été blessés [1].", True),
    ("Combien de militaires ont été blessés ?",
     "Ils ont été blessés par un combattant qui a agi seul [1].", False),
    ("How many were wounded in the single ambush?",
     "They were wounded in the single ambush [1].", False),
    ("When was it announced?", "It was announced in a single statement [1].", False),
    ("Combien de civils ont été tués ?", "Un civil a été tué [1].", True),
    ("How many civilians died?", "A civilian died [1].", True),
    ("How many civilians died?", "Only one civilian died [1].", True),
    ("When did they die?", "They died in an ambush near Palmyra [1].", False),
    ("When was it announced?", "It was announced on Saturday [1].", True),
])
def test_a_written_answer_must_say_the_count_or_date_itself(question: str, answer: str,
                                                            holds: bool) -> None:
    sentence = "Le CENTCOM a indiqué samedi que " + WOUNDED
    assert holds_kind(question, [sentence], answer) is holds
    assert holds_kind(question, [sentence])  # the sentence alone does hold one


JOINED = ("Les forces américaines opèrent dans le cadre de la coalition anti-EI créée en "
          "2014, que la Syrie a rejointe le 12 novembre dernier.")


@pytest.mark.parametrize(("question", "sentence", "holds"), [
    # A year or a day of the month counts nothing.
    ("How much money did the United States give Syria?", JOINED, False),
    ("Combien de soldats américains sont déployés en Syrie ?", JOINED, False),
    ("How many soldiers died?", "On November 12, 2024 the base was attacked.", False),
    # Counts stay counts, beside a date or looking like a year.
    ("Combien de soldats ont été déployés ?", "2000 soldats ont été déployés.", True),
    ("Combien de blessés ?", "Le 1er mai 2020, 15 personnes ont été blessées.", True),
    ("Combien de journaux ont été créés avant 1914 ?",
     "Neuf journaux sont créés avant le début de la guerre, en 1914.", True),
    # A duration in years may be told by its dates.
    ("How many years did the war last?", "La guerre a duré de 2011 à 2019.", True),
    # A date is still a date.
    ("En quelle année la coalition a-t-elle été créée ?", JOINED, True),
])
def test_a_date_is_no_count(question: str, sentence: str, holds: bool) -> None:
    assert holds_kind(question, [sentence]) is holds


def test_a_day_or_a_month_is_no_name() -> None:
    # The retry's answer to a name the article lacks: "Sunday" names nothing.
    assert not holds_kind("What was the name of the security operation in Homs?",
                          ["The security operation in Homs was launched on Sunday."])
    assert holds_kind("What was the name of the security operation in Homs?",
                      ["Operation Desert Shield in Homs was launched on Sunday."])


@pytest.mark.parametrize(("question", "text", "holds"), [
    ("Dans quelle zone l’embuscade a-t-elle été menée ?", "dans la zone désertique de Palmyre",
     True),
    ("Dans quelle zone l’embuscade a-t-elle été menée ?", "un combattant de Daech", False),
    ("In which province was the operation?", "in rural areas of the province of Homs", True),
    ("Dans quelle région ?", "dans la région de l’Euphrate", True),
    # The name the question brings is no answer.
    ("Dans quelle zone de Palmyre ?", "dans la zone désertique de Palmyre", False),
])
def test_the_kind_of_place_asked_named_after_it_is_a_place(question: str, text: str,
                                                             holds: bool) -> None:
    assert holds_kind(question, [text]) is holds


def test_one_of_something_else_the_question_names_is_no_count() -> None:
    operation = ("les autorités syriennes ont lancé dimanche une opération de sécurité "
                 "ciblant des cellules de Daech.")
    assert not holds_kind("Combien de suspects les autorités ont-elles arrêtés lors de "
                          "leur opération ?", [operation])
    assert holds_kind("Combien d’opérations les autorités ont-elles lancées ?", [operation])
    assert holds_kind("How many civilians died?", ["two soldiers and a civilian died"])


@pytest.mark.parametrize(("question", "people"), [
    ("Combien de personnes sont mortes ?", True),
    ("How many casualties were there?", True),
    # A toll counts people, whoever they are: the sum of the groups a sentence counts.
    ("What was the death toll?", True),
    ("Quel est le bilan de l’embuscade ?", True),
    ("Combien de soldats syriens ont été tués ?", False),
    ("How many cells were dismantled?", False),
])
def test_counts_people(question: str, people: bool) -> None:
    assert counts_people(question) is people

