"""Login users of OpenKAM: our own people, with a role and a department."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.users.choices import Department, Role


class User(AbstractUser):
    """A person of the supplier who uses OpenKAM (not a customer contact)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    department = models.CharField(_("department"), max_length=32, choices=Department.choices, default=Department.SALES)

    class Meta:
        ordering = ("username",)
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return full_name or self.username

    @property
    def sees_all_accounts(self) -> bool:
        """Directors and administrators see every account; others only their own."""
        return self.is_superuser or self.role in {Role.ADMINISTRATOR, Role.DIRECTOR}


class ApiToken(models.Model):
    """A personal key with which a program calls the REST API as its user (``Authorization: Bearer …``).

    The secret is ``okam_`` + ``secrets.token_urlsafe(32)`` (256 random bits) and is shown once,
    when the token is made. We keep only its SHA-256 digest (``hashlib.sha256``), not a
    ``django.contrib.auth.hashers`` hash: password hashers are slow on purpose, to resist guessing
    of weak human secrets, but a 256-bit random secret cannot be guessed, and a slow hash would
    cost every API request hundreds of milliseconds. An unsalted digest also lets the token be
    found by an indexed lookup of its digest, without trying each stored token in turn. ``prefix``
    (the secret's first characters) is stored in clear so that people can tell their tokens apart.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the ERP sync."))
    prefix = models.CharField(_("prefix"), max_length=16, help_text=_("The token's first characters, to recognise it."))
    secret_hash = models.CharField(_("secret hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ("user", "-created_at", "-id")
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """Whether the token still opens the API (it is not revoked)."""
        return self.revoked_at is None
