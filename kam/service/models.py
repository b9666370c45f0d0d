"""Service cases of accounts (orders, deliveries, tickets, complaints, claims, returns, invoice
disputes), the service-level policies they are measured against, and the working calendars
their business-hour clocks run on."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.models import Account, Contact
from kam.service.choices import AppliesTo, CaseStatus, CaseType, Clock, ClockState, Priority
from kam.users.choices import Department


class WorkingCalendar(TimeStampedModel):
    """Working days and hours of one country (or of the company, when it is the default).

    Business-hour clocks of an account's cases run on the calendar whose ``countries`` name
    the account's country, else on the default calendar.
    """

    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("For example ES or default."))
    name = models.CharField(_("name"), max_length=100)
    countries = models.CharField(
        _("countries"),
        max_length=300,
        blank=True,
        help_text=_("The account countries this calendar is for, separated by commas (e.g. Spain, ES, España)."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Madrid")
    weekdays = models.CharField(
        _("working days"),
        max_length=7,
        default="1111100",
        help_text=_("Seven 1/0 flags, Monday to Sunday: 1111100 is Monday to Friday."),
    )
    opens = models.TimeField(_("opens"), default=dt.time(9))
    closes = models.TimeField(_("closes"), default=dt.time(17))
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        ordering = ("-is_default", "code")
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="%(app_label)s_%(class)s_one_default"
            ),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="%(app_label)s_%(class)s_hours"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Holiday(models.Model):
    """A day on which a working calendar's clocks stand still."""

    calendar = models.ForeignKey(
        WorkingCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ("calendar", "date")
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="%(app_label)s_%(class)s_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar.code} {self.date:%Y-%m-%d} {self.name}"


class ServiceLevelPolicy(TimeStampedModel):
    """The response and resolution targets of one case type for one group of accounts, set by directors."""

    case_type = models.CharField(_("case type"), max_length=32, choices=CaseType.choices)
    applies_to = models.CharField(_("applies to"), max_length=16, choices=AppliesTo.choices)
    response_hours = models.DecimalField(
        _("first response within (hours)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    resolution_hours = models.DecimalField(
        _("resolution within (hours)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    clock = models.CharField(_("clock"), max_length=16, choices=Clock.choices, default=Clock.BUSINESS)
    at_risk_share = models.FloatField(
        _("warn when this share of the time is used"),
        default=0.8,
        help_text=_("0.8 raises an alert when 80 % of the time to a target has passed."),
    )

    class Meta:
        ordering = ("case_type", "applies_to")
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")
        constraints = [
            models.UniqueConstraint(fields=["case_type", "applies_to"], name="%(app_label)s_%(class)s_unique_scope"),
            models.CheckConstraint(
                condition=models.Q(response_hours__isnull=True) | models.Q(response_hours__gt=0),
                name="%(app_label)s_%(class)s_response_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_hours__isnull=True) | models.Q(resolution_hours__gt=0),
                name="%(app_label)s_%(class)s_resolution_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(at_risk_share__gt=0) & models.Q(at_risk_share__lt=1),
                name="%(app_label)s_%(class)s_at_risk_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_case_type_display()} — {self.get_applies_to_display()}"


class ServiceCase(TimeStampedModel):
    """One service case of an account, with the service-level clocks it runs against.

    The targets in force when the case was opened are copied onto it (``*_target_hours``,
    ``clock``, ``calendar``), so that changing a policy later does not rewrite history; the
    due times and clock states are computed by ``kam_engine.service_clock``.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="service_cases"
    )
    code = models.CharField(
        _("code"),
        max_length=64,
        blank=True,
        help_text=_("The id of the case in the help desk or ERP it came from; unique per account when given."),
    )
    type = models.CharField(_("type"), max_length=32, choices=CaseType.choices)
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_cases",
        help_text=_("Who of ours works the case."),
    )
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Order, delivery or invoice number concerned.")
    )
    opened_at = models.DateTimeField(_("opened"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True, help_text=_("What was done to resolve the case."))
    due_at = models.DateTimeField(
        _("due"),
        null=True,
        blank=True,
        help_text=_("A resolution date promised to the customer; overrides the policy."),
    )
    # The service level in force when the case was opened (copied, see the class docstring).
    policy = models.ForeignKey(
        ServiceLevelPolicy,
        verbose_name=_("service-level policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    response_target_hours = models.FloatField(_("response target (hours)"), null=True, blank=True)
    resolution_target_hours = models.FloatField(_("resolution target (hours)"), null=True, blank=True)
    clock = models.CharField(_("clock"), max_length=16, choices=Clock.choices, default=Clock.CALENDAR)
    calendar = models.ForeignKey(
        WorkingCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    at_risk_share = models.FloatField(_("warn at share of time used"), default=0.8)
    response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    response_state = models.CharField(
        _("first response"), max_length=16, choices=ClockState.choices, default=ClockState.NONE
    )
    resolution_state = models.CharField(
        _("resolution"), max_length=16, choices=ClockState.choices, default=ClockState.NONE
    )
    response_hours = models.FloatField(_("hours to first response"), null=True, blank=True)
    resolution_hours = models.FloatField(_("hours to resolution"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-opened_at", "-id")
        verbose_name = _("service case")
        verbose_name_plural = _("service cases")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "code"],
                condition=~models.Q(code=""),
                name="%(app_label)s_%(class)s_unique_account_code",
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_at__isnull=True)
                | models.Q(first_response_at__gte=models.F("opened_at")),
                name="%(app_label)s_%(class)s_response_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True) | models.Q(resolved_at__gte=models.F("opened_at")),
                name="%(app_label)s_%(class)s_resolved_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(type__in=CaseType.values), name="%(app_label)s_%(class)s_type_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "opened_at"], name="service_case_account_idx"),
            models.Index(fields=["status", "resolution_due_at"], name="service_case_queue_idx"),
        ]

    def __str__(self) -> str:
        label = self.code or f"#{self.pk}"
        return f"{self.account.code} {label} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:case_detail", kwargs={"code": self.account.code, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)

    def opened_local(self) -> dt.datetime:
        return timezone.localtime(self.opened_at)
