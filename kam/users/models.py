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
