"""Read helpers of the key-account domain; every one of them applies who may see what.

Views, the API and reports read accounts only through these functions, so the rule
"a KAM sees the accounts they own or whose team they are on; directors see all" lives in
one place. ``access_*`` getters raise ``Http404`` for objects that exist but are not
visible, exactly as for objects that do not exist: a URL never reveals that an account exists.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kam.key_accounts.models import Account, AccountTeamMember
from kam.users.models import User

AnyUser = AbstractBaseUser | AnonymousUser


def visible_accounts(user: AnyUser) -> QuerySet[Account]:
    """Return the accounts ``user`` may see, with their owner and parent joined in.

    Directors and administrators see every account. Everyone else (key account managers,
    team members, viewers) sees the accounts they own and those whose team they are on.
    Anonymous and inactive users see none.
    """
    accounts = Account.objects.select_related("owner", "parent")
    if not isinstance(user, User) or not user.is_active:
        return accounts.none()
    if user.sees_all_accounts:
        return accounts
    # A subquery rather than a join: an account is listed once however the user reaches it.
    on_team = AccountTeamMember.objects.filter(user=user).values("account_id")
    return accounts.filter(Q(owner=user) | Q(pk__in=on_team))


def access_account_by_code(user: AnyUser, code: str) -> Account:
    """Return the account with ``code`` if ``user`` may see it; raise ``Http404`` otherwise."""
    try:
        return visible_accounts(user).get(code=code)
    except Account.DoesNotExist:
        raise Http404(_("No account with this code.")) from None


def can_manage_account(user: AnyUser, account: Account) -> bool:
    """Directors, administrators and the account's owner (its KAM) edit its plan, map and pipeline."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.sees_all_accounts or account.owner_id == user.pk


def is_on_account_team(user: AnyUser, account: Account) -> bool:
    """Whether ``user`` is on the account's cross-functional team (team members log touchpoints)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return AccountTeamMember.objects.filter(account=account, user=user).exists()
