from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.users.actions import do_create_user
from kam.users.choices import Department, Role


class Command(BaseCommand):
    help = "Create a login user with a role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, default=Role.VIEWER)
        parser.add_argument("--department", choices=Department.values, default=Department.SALES)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            help="Read the password from this environment variable instead of asking for it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import os

        if options["password_from_env"]:
            password = os.environ.get(options["password_from_env"])
            if not password:
                raise CommandError(
                    _("The environment variable %(name)s is empty.") % {"name": options["password_from_env"]}
                )
        else:
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                raise CommandError(_("The passwords do not match."))
        try:
            user = do_create_user(
                options["username"],
                password,
                role=options["role"],
                department=options["department"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                acting_user=None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _("Created %(username)s (%(role)s).") % {"username": user.username, "role": user.get_role_display()}
        )
