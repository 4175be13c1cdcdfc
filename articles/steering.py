"""Editors steering the rankings (pin, boost, bury, end early): each decision checked here,
written with its audit-log entry in one transaction, and the rankings rebuilt once it commits,
so readers see it at once (the rebuild replaces the content generation the page cache and the
sidebar carry). Expiry needs no job: the rebuild applies only decisions still in force."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .caching import bump_content_generation
from .models import Article, Period, Ranking, Steering, SteeringLog
from .ranking import rebuild_rankings

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def can_steer(user: User | AnonymousUser) -> bool:
    """Whether this person may pin, boost or bury (the editors' role grants it)."""
    return bool(user.is_active and user.is_staff and user.has_perm("articles.add_steering"))


def can_end(user: User | AnonymousUser) -> bool:
    """Whether this person may end a decision before its date."""
    return bool(user.is_active and user.is_staff and user.has_perm("articles.end_steering"))


def describe(steering: Steering) -> str:
    """The decision in words, for the audit log: it outlives the article's title."""
    where = _("«%(ranking)s» %(period)s") % {
        "ranking": Ranking(steering.ranking).label,
        "period": Period(steering.period).label,
    }
    until = formats.date_format(timezone.localtime(steering.until), "DATETIME_FORMAT")
    if steering.kind == Steering.Kind.PIN:
        text = _("Закрепить «%(title)s» на месте %(position)s в %(where)s до %(until)s")
    elif steering.kind == Steering.Kind.BOOST:
        text = _("Поднять «%(title)s» с множителем %(factor)s в %(where)s до %(until)s")
    else:
        text = _("Убрать «%(title)s» из %(where)s до %(until)s")
    return text % {
        "title": steering.article.title,
        "position": steering.position,
        "factor": formats.number_format(steering.factor or 0, use_l10n=True),
        "where": where,
        "until": until,
    }


def _check(*, kind: str, position: int | None, factor: float | None, until: datetime) -> None:
    if until <= timezone.now():
        raise ValidationError(_("Срок уже прошёл: укажите дату в будущем."))
    if kind == Steering.Kind.PIN and not position:
        raise ValidationError(_("Укажите место, начиная с 1."))
    if kind == Steering.Kind.BOOST and not (factor and factor > 0):
        raise ValidationError(_("Множитель должен быть больше нуля."))


def _check_free(*, ranking: str, period: str, article: Article, position: int | None) -> None:
    """A clear refusal when the place or the article is already taken by a decision in force."""
    taken = Steering.objects.open().filter(ranking=ranking, period=period)
    if taken.filter(article=article).exists():
        raise ValidationError(
            _("У этой статьи уже есть решение в этом рейтинге за этот период: снимите его сначала.")
        )
    if position and taken.filter(kind=Steering.Kind.PIN, position=position).exists():
        raise ValidationError(_("На этом месте уже закреплена другая статья: снимите её сначала."))


def close_expired() -> int:
    """Mark the decisions whose date has passed as ended then; returns how many."""
    return Steering.objects.expired().update(ended_at=F("until"))


def steer(
    *,
    editor: User,
    ranking: str,
    period: str,
    article: Article,
    kind: str,
    until: datetime,
    reason: str,
    position: int | None = None,
    factor: float | None = None,
) -> Steering:
    """Pin, boost or bury an article in one ranking and period until a date, for a reason;
    logged, and the rankings rebuilt after the commit."""
    if not can_steer(editor):
        raise PermissionDenied(_("Решения о рейтингах принимают редакторы."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Укажите причину."))
    _check(kind=kind, position=position, factor=factor, until=until)
    if kind != Steering.Kind.PIN:
        position = None
    if kind != Steering.Kind.BOOST:
        factor = None
    try:
        with transaction.atomic():
            close_expired()
            _check_free(ranking=ranking, period=period, article=article, position=position)
            steering = Steering.objects.create(
                ranking=ranking,
                period=period,
                article=article,
                kind=kind,
                position=position,
                factor=factor,
                until=until,
                reason=reason,
                created_by=editor,
            )
            SteeringLog.objects.create(
                editor=editor,
                action=SteeringLog.Action.CREATED,
                steering=steering,
                what=describe(steering),
                reason=reason,
            )
            transaction.on_commit(partial(apply_steering, period), robust=True)
    except IntegrityError as error:
        # Another editor took the place or the article at the same moment.
        raise ValidationError(
            _("Это место или эта статья только что заняты другим решением: обновите страницу.")
        ) from error
    return steering


def end_steering(*, editor: User, steering: Steering, reason: str) -> bool:
    """End a decision before its date, for a reason; False when it had already ended."""
    if not can_end(editor):
        raise PermissionDenied(_("Снимать решения о рейтингах могут редакторы."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Укажите причину."))
    with transaction.atomic():
        ended = (
            Steering.objects.open()
            .filter(pk=steering.pk)
            .update(ended_at=timezone.now(), ended_by=editor)
        )
        if not ended:
            return False
        SteeringLog.objects.create(
            editor=editor,
            action=SteeringLog.Action.ENDED,
            steering=steering,
            what=describe(steering),
            reason=reason,
        )
        transaction.on_commit(partial(apply_steering, steering.period), robust=True)
    return True


def apply_steering(period: str) -> None:
    """Rebuild the rankings of the decision's period with the decisions in force and drop every
    cached page that shows them (the sidebar is on every page)."""
    rebuild_rankings(periods={period})
    bump_content_generation()
