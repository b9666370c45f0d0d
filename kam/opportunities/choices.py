"""Choice lists of opportunities. Codes are stable; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where an opportunity stands in the sale; won and lost close it."""

    PROSPECTING = "prospecting", _("Prospecting")
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


#: The probability (per cent) an opportunity gets when it enters a stage, unless someone overrides it.
STAGE_PROBABILITY: dict[str, int] = {
    Stage.PROSPECTING: 10,
    Stage.QUALIFICATION: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}

CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST})
OPEN_STAGES = tuple(stage for stage in Stage if stage not in CLOSED_STAGES)


class CoverageGap(models.TextChoices):
    """A buying-influence role no contact of the opportunity covers (Miller Heiman's red flags)."""

    NO_ECONOMIC_BUYER = (
        "no_economic_buyer",
        _("No economic buyer is among the buying influences: who releases the money?"),
    )
    NO_COACH = "no_coach", _("No coach or champion is among the buying influences: nobody guides us inside.")
    NO_TECHNICAL_BUYER = (
        "no_technical_buyer",
        _("No technical buyer is among the buying influences: who screens the offer?"),
    )
    NO_USER_BUYER = "no_user_buyer", _("No user buyer is among the buying influences: who will use what we sell?")
