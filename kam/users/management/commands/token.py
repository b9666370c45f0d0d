"""``kam token create USERNAME --name NAME`` prints a new API token once; ``kam token revoke ID`` revokes one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.users.actions import TokenError, do_create_token, do_revoke_token
from kam.users.models import ApiToken, User


class Command(BaseCommand):
    help = "Make or revoke a personal API token (Authorization: Bearer …)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        create = commands.add_parser("create", help="Make a token for a user and print it (shown this once).")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for.")
        revoke = commands.add_parser("revoke", help="Revoke a token by its number.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "create":
                self._create(options["username"], options["name"])
            else:
                self._revoke(options["id"])
        except TokenError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user %(username)s.") % {"username": username})
        created = do_create_token(user, name, acting_user=None)
        self.stderr.write(
            _("Token %(id)d for %(username)s; copy it now, it is not shown again:")
            % {"id": created.token.pk, "username": username}
        )
        self.stdout.write(created.plaintext)

    def _revoke(self, pk: int) -> None:
        token = ApiToken.objects.filter(pk=pk).first()
        if token is None:
            raise CommandError(_("There is no token %(id)d.") % {"id": pk})
        do_revoke_token(token, acting_user=None)
        self.stdout.write(_("Token %(id)d (%(token)s) is revoked.") % {"id": pk, "token": token})
