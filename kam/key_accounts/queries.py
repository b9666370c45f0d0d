"""Read helpers of the key-account domain; every one of them applies who may see what.

Views, the API and reports read accounts only through these functions, so the rule
"a KAM sees the accounts they own or whose team they are on; directors see all" lives in
one place. ``access_*`` getters raise ``Http404`` for objects that exist but are not
visible, exactly as for objects that do not exist: a URL never reveals that an account exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account, AccountAssessment, AccountChange, AccountTeamMember, SurveyResponse
from kam.users.choices import Role
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
    # A subquery rather than a join: an account is listed once however the user reaches it. A UNION
    # of the two indexed lookups, not ``owner = me OR id IN (team)``: PostgreSQL scans every account
    # for the OR and, misjudging it as half of them, scans every analysis of a portfolio to join them.
    owned = Account.objects.filter(owner=user).order_by().values("pk")
    on_team = AccountTeamMember.objects.filter(user=user).order_by().values("account_id")
    return accounts.filter(pk__in=owned.union(on_team))


def access_account_by_code(user: AnyUser, code: str) -> Account:
    """Return the account with ``code`` if ``user`` may see it; raise ``Http404`` otherwise."""
    if "\x00" in code:  # no code has one, and PostgreSQL refuses to compare text with a NUL byte (500)
        raise Http404(_("No account with this code."))
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


def works_on_account_team(user: AnyUser, account: Account) -> bool:
    """Whether ``user`` is on the account's team and may write there (touchpoints, meetings, alerts, cases).

    Viewers may be on a team to read the account; they never write.
    """
    if not isinstance(user, User) or user.role == Role.VIEWER:
        return False
    return is_on_account_team(user, account)


def account_history(account: Account, *, limit: int | None = None) -> QuerySet[AccountChange]:
    """The account's changes of phase, stages, tier, key-account flag and KAM, newest first (one query)."""
    changes = account.changes.select_related("changed_by").order_by("-changed_at", "-id")
    return changes[:limit] if limit is not None else changes


# A gap this large (customer's satisfaction − our assessment, on the same 1–10 scale) means
# that the feeling is not mutual.
MUTUALITY_GAP = 3


@dataclass(frozen=True, slots=True)
class Mutuality:
    """How the customer rates us (its latest survey answer) against how we rate it (our latest assessment)."""

    survey: SurveyResponse | None
    assessment: AccountAssessment | None

    @property
    def satisfaction(self) -> int | None:
        """The customer's latest satisfaction, 1–10."""
        return self.survey.satisfaction if self.survey is not None else None

    @property
    def our_rating(self) -> int | None:
        """Our latest rating of how much the customer values and commits to the relationship, 1–10."""
        return self.assessment.rating if self.assessment is not None else None

    @property
    def gap(self) -> int | None:
        """Customer − ours; None unless both are known. Positive: they value us more than we think."""
        if self.satisfaction is None or self.our_rating is None:
            return None
        return self.satisfaction - self.our_rating

    @property
    def not_mutual(self) -> bool:
        """The feeling is not mutual: the two ratings are ``MUTUALITY_GAP`` or more apart."""
        return self.gap is not None and abs(self.gap) >= MUTUALITY_GAP


def mutuality_for(accounts: Iterable[Account]) -> dict[int, Mutuality]:
    """For each account (by pk): its latest survey answer, our latest assessment and the gap.

    Two queries whatever the number of accounts. Visibility is the caller's: pass accounts
    obtained through ``visible_accounts``.
    """
    ids = [account.pk for account in accounts]
    latest_first = [F("account_id")]
    surveys = {
        survey.account_id: survey
        for survey in SurveyResponse.objects.filter(account_id__in=ids)
        .select_related("contact")
        .annotate(
            rank=Window(RowNumber(), partition_by=latest_first, order_by=[F("answered_on").desc(), F("id").desc()])
        )
        .filter(rank=1)
    }
    assessments = {
        assessment.account_id: assessment
        for assessment in AccountAssessment.objects.filter(account_id__in=ids)
        .select_related("assessed_by")
        .annotate(
            rank=Window(RowNumber(), partition_by=latest_first, order_by=[F("assessed_on").desc(), F("id").desc()])
        )
        .filter(rank=1)
    }
    return {pk: Mutuality(survey=surveys.get(pk), assessment=assessments.get(pk)) for pk in ids}


# Audit records of these apps are shown on an account's audit tab only to who sees that data
# elsewhere: incentive pay (directors, administrators, the account's KAM) and the selection
# (directors and administrators).
_RESTRICTED_AUDIT_APPS = ("incentives.", "selection.")


def account_audit_records(user: AnyUser, account: Account, *, action: str = "") -> QuerySet[AuditRecord]:
    """Every audit record of the account and of its objects, newest first, that ``user`` may read.

    Visibility of the account is the caller's (``access_account_by_code``); this only hides the
    records of incentive pay and of the selection from those who may not see them.
    """
    records = AuditRecord.objects.filter(account=account).select_related("actor").order_by("-created_at", "-id")
    if action:
        records = records.filter(action=action)
    if not isinstance(user, User) or not user.is_active:
        return records.none()
    if not user.sees_all_accounts:
        hidden = Q()
        for prefix in _RESTRICTED_AUDIT_APPS:
            if prefix == "incentives." and account.owner_id == user.pk and user.role == Role.KEY_ACCOUNT_MANAGER:
                continue
            hidden |= Q(object_type__startswith=prefix)
        if hidden:
            records = records.exclude(hidden)
    return records


def account_audit_actions(user: AnyUser, account: Account) -> list[str]:
    """The actions among the records ``user`` reads on the account's audit tab, for its filter."""
    records = account_audit_records(user, account).order_by()
    return sorted(set(records.values_list("action", flat=True)))
