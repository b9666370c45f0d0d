"""Read helpers of the incentives domain and who may see what.

Directors and administrators see every KAM's payouts and every account's return on KAM;
a key account manager sees their own; team members and viewers see neither (403). Only
directors draft and approve incentive plans; administrators and KAMs may read them.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kam.incentives.choices import IncentivePlanStatus
from kam.incentives.models import IncentivePlan
from kam.key_accounts.models import Account
from kam.key_accounts.queries import visible_accounts
from kam.users.choices import Role
from kam.users.models import User

AnyUser = AbstractBaseUser | AnonymousUser


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def is_director(user: AnyUser) -> bool:
    """Only directors draft and approve incentive plans (administrators run the system, not the pay)."""
    person = _active(user)
    return person is not None and person.role == Role.DIRECTOR


def sees_every_payout(user: AnyUser) -> bool:
    """Directors and administrators see every KAM's payouts."""
    person = _active(user)
    return person is not None and person.sees_all_accounts


def sees_incentives(user: AnyUser) -> bool:
    """Directors, administrators and key account managers (their own) see payouts and return on KAM."""
    person = _active(user)
    return person is not None and (person.sees_all_accounts or person.role == Role.KEY_ACCOUNT_MANAGER)


def approved_plan() -> IncentivePlan | None:
    """The plan in force, if any."""
    return IncentivePlan.objects.filter(status=IncentivePlanStatus.APPROVED).first()


def plans() -> QuerySet[IncentivePlan]:
    return IncentivePlan.objects.select_related("created_by", "approved_by")


def access_plan_by_id(user: AnyUser, pk: int) -> IncentivePlan:
    """The plan ``pk`` for anyone who sees incentives; ``Http404`` otherwise."""
    if not sees_incentives(user):
        raise Http404(_("No incentive plan with this number."))
    try:
        return plans().get(pk=pk)
    except IncentivePlan.DoesNotExist:
        raise Http404(_("No incentive plan with this number.")) from None


def return_on_kam_accounts(user: AnyUser) -> QuerySet[Account]:
    """The key accounts whose return on KAM ``user`` sees: every one, or the KAM's own."""
    person = _active(user)
    accounts = visible_accounts(user).filter(is_key_account=True)
    if person is None or person.sees_all_accounts:
        return accounts
    return accounts.filter(owner=person)
