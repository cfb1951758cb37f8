"""What each value in the controlled vocabulary means, for the offline tagger: a few plain sentences per
value (embedded once and compared with the answer's sentences: zero-shot), and cue phrases (matched as
whole phrases, never as single words split out of them: "every year" is one cue, not "every" and "year").

Covers exactly `familyplus.vocabulary.VALUE_TAGS` (a test checks this). Descriptions and cues say
what the values mean in everyday words; none is copied from the evaluation set (evals/answers.json), whose
answers are only used to choose the tagger's weights and threshold. `family` is described by the bonds and
life of a family, not by naming relatives: nearly every story mentions a mother or a son, and a
description made of such mentions drew the tagger to `family` for all of them.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "family": (
        "How our family stuck together and looked after one another.",
        "The bond between a parent and a child, and what we meant to each other.",
        "Growing up in our house with my brothers and sisters, and the family we became.",
        "What I want my children and grandchildren to know about where they come from.",
    ),
    "love": (
        "I fell in love and we got married.",
        "My husband and I were devoted to each other for our whole lives.",
        "How much I loved her, and how much I miss her.",
    ),
    "resilience": (
        "We lost everything and had to rebuild our lives.",
        "Getting through grief and a terrible loss, and carrying on.",
        "We survived hard times and came back stronger.",
    ),
    "hard_work": (
        "I worked long hours at a hard job to earn a living.",
        "Getting up before dawn to do the chores and the work that had to be done.",
        "My first job and what work taught me.",
        "Years of labor on the farm, in the mine or at the factory to provide for the family.",
        "Earning every dollar through sweat and effort.",
    ),
    "faith": (
        "We prayed and went to church, and my faith in God carried me.",
        "Religion and belief in God were at the center of our life.",
    ),
    "humor": (
        "It was so funny that we could not stop laughing.",
        "A silly, comical mishap that the family still laughs about.",
        "He made everyone laugh with his jokes.",
    ),
    "courage": (
        "I was scared, but I was brave and did it anyway.",
        "It took courage to take the risk and face my fear.",
        "Standing up and speaking out when it was frightening.",
    ),
    "kindness": (
        "A stranger was kind and helped us when we needed it.",
        "Neighbors took care of us and showed compassion.",
        "Being kind and gentle to people who are struggling.",
    ),
    "gratitude": (
        "I am thankful and grateful for what I have.",
        "Counting my blessings and saying thank you.",
    ),
    "honesty": (
        "Telling the truth even when it is hard, and never lying.",
        "Owning up to a mistake and being honest with people.",
    ),
    "education": (
        "Going to school, studying, and learning to read.",
        "A teacher, a college degree, and the value of an education.",
    ),
    "tradition": (
        "A family tradition we keep every year at the holidays.",
        "A recipe and a custom passed down through the generations.",
    ),
    "community": (
        "The whole town and the neighbors came together.",
        "Volunteering and belonging to a community that looks after its people.",
        "Friends and neighbors who were part of our lives.",
    ),
    "adventure": (
        "A journey to a faraway place, traveling and exploring.",
        "A road trip and an adventure into the unknown.",
        "Leaving home to cross the ocean to a new country.",
    ),
    "generosity": (
        "Giving what we had to people in need and sharing freely.",
        "Donating food and money and helping without asking for anything back.",
    ),
    "patience": (
        "Being patient and waiting calmly; good things take time.",
        "Slowing down and not rushing things.",
    ),
}

# Phrases that name a value outright. Matched on whole words in order (after lower-casing and light
# stemming), so "every year" never counts as "every" + "year".
CUES: dict[str, tuple[str, ...]] = {
    "family": (
        "my mother",
        "my father",
        "my mom",
        "my dad",
        "my parents",
        "my grandmother",
        "my grandfather",
        "my brother",
        "my sister",
        "my son",
        "my daughter",
        "my children",
        "my husband",
        "my wife",
        "your grandmother",
        "your grandfather",
        "your father",
        "your mother",
        "the whole family",
        "our family",
        "my family",
        "grandkids",
        "grandchildren",
        "my uncle",
        "my aunt",
        "my cousins",
    ),
    "love": ("fell in love", "i love you", "married for", "our wedding", "love is"),
    "resilience": (
        "got through",
        "get through",
        "carry on",
        "start over",
        "started over",
        "rebuilt",
        "we survived",
        "never gave up",
        "keep going",
        "lost everything",
        "grief",
        "grieving",
        "mourning",
    ),
    "hard_work": (
        "worked hard",
        "hard work",
        "long hours",
        "every paycheck",
        "first job",
        "double shift",
        "day off",
    ),
    "faith": ("god", "pray", "prayed", "prayer", "church", "faith", "said grace", "the lord", "bible"),
    "humor": ("laughing so hard", "laughed so hard", "so funny", "funniest", "couldn't stop laughing", "giggling"),
    "courage": ("brave", "courage", "scared", "afraid", "took a risk"),
    "kindness": ("kindness", "helped us", "helped me", "took care of", "a kind", "be kind", "stay kind"),
    "gratitude": ("grateful", "thankful", "thank you", "count my blessings", "blessings"),
    "honesty": ("the truth", "honest", "a lie", "lied", "own up", "owned up"),
    "education": ("school", "college", "teacher", "learned to read", "education", "studied", "tuition"),
    "tradition": (
        "every christmas",
        "every year",
        "every thanksgiving",
        "every sunday",
        "tradition",
        "the recipe",
        "passed down",
    ),
    "community": ("the whole town", "neighbors", "volunteers", "the congregation", "our town", "community"),
    "adventure": ("road trip", "adventure", "journey", "traveled", "crossing", "by myself", "the ship"),
    "generosity": ("gave away", "donations", "for free", "shared"),
    "patience": ("patience", "patient", "slow down", "take time", "takes time", "in a hurry"),
}
