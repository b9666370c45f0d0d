"""Touchpoints with the customer: meetings (what they were for, who came, what follows) and every
other interaction any department of ours has with the account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.models import Account, Contact
from kam.touchpoints.choices import Channel, GoalMet, MeetingObjective, Sentiment, TouchpointType
from kam.users.choices import Department


class Meeting(TimeStampedModel):
    """A meeting of our people with people of a customer, with its goal, outcome and next step.

    A follow-up date turns the next step into a reminder until the follow-up is marked done.
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="meetings")
    code = models.CharField(
        _("code"),
        max_length=64,
        blank=True,
        help_text=_("The id of the meeting in the system it came from; unique per account when given."),
    )
    held_at = models.DateTimeField(_("when"))
    objective = models.CharField(_("objective"), max_length=32, choices=MeetingObjective.choices)
    goal = models.TextField(_("goal"), help_text=_("What we wanted to get out of the meeting, in a sentence."))
    our_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our attendees"), related_name="meetings_attended", blank=True
    )
    their_attendees = models.ManyToManyField(
        Contact,
        verbose_name=_("their attendees"),
        related_name="meetings",
        blank=True,
        help_text=_("Contacts of the account who took part."),
    )
    outcome = models.TextField(_("outcome"), blank=True)
    goal_met = models.CharField(_("goal met"), max_length=8, choices=GoalMet.choices, default=GoalMet.UNKNOWN)
    next_step = models.TextField(_("next step"), blank=True)
    follow_up_on = models.DateField(
        _("follow-up date"), null=True, blank=True, help_text=_("When the next step is due; shown as a reminder.")
    )
    follow_up_done = models.BooleanField(_("follow-up done"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-held_at", "-id")
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "code"],
                condition=~models.Q(code=""),
                name="%(app_label)s_%(class)s_unique_account_code",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "held_at"], name="touchpoints_meeting_held_idx"),
            models.Index(fields=["follow_up_done", "follow_up_on"], name="touchpoints_meeting_follow_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {timezone.localtime(self.held_at):%Y-%m-%d} {self.get_objective_display()}"

    def get_absolute_url(self) -> str:
        return reverse("touchpoints:account_meetings", kwargs={"code": self.account.code}) + f"#meeting-{self.pk}"


class Touchpoint(TimeStampedModel):
    """One interaction of one of our people with the account at any touchpoint of our organisation.

    Sales visits, order questions, delivery issues, support calls, invoices, complaints: whoever
    of ours talked to the customer logs it, with the customer's mood, so that the account team
    sees the whole relationship on the account's timeline.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="touchpoints"
    )
    code = models.CharField(
        _("code"),
        max_length=64,
        blank=True,
        help_text=_("The id of the touchpoint in the system it came from; unique per account when given."),
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
        help_text=_("The person of the account we dealt with, when known."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our person"),
        on_delete=models.PROTECT,
        related_name="touchpoints",
        help_text=_("Who of ours dealt with the customer."),
    )
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    type = models.CharField(_("type"), max_length=16, choices=TouchpointType.choices)
    happened_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"))
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-happened_at", "-id")
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sentiment__in=Sentiment.values),
                name="%(app_label)s_%(class)s_sentiment_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(summary=""),
                name="%(app_label)s_%(class)s_summary_not_empty",
            ),
            models.UniqueConstraint(
                fields=["account", "code"],
                condition=~models.Q(code=""),
                name="%(app_label)s_%(class)s_unique_account_code",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "happened_at"], name="touchpoints_tp_happened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {timezone.localtime(self.happened_at):%Y-%m-%d} {self.get_type_display()}"

    def get_absolute_url(self) -> str:
        return reverse("touchpoints:account_timeline", kwargs={"code": self.account.code}) + f"#touchpoint-{self.pk}"
