import contextlib
import contextvars

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.compiled import CompiledQuery
from config.text import validate_one_line

# A session's member by their id, in a statement written once per process (articles/compiled.py).
_by_pk = CompiledQuery(lambda pk: User.objects.filter(pk=pk), pk=-424_242_003)
# The member a caller read with the rest of what its request needs (member_at_hand()), for the
# authentication backend to take instead of asking the database again.
_at_hand: contextvars.ContextVar = contextvars.ContextVar("member_at_hand", default=None)


def member_query() -> CompiledQuery:
    """The statement MemberManager.get(pk=...) runs, for a caller that runs it beside its own
    (articles.compiled.objects_together)."""
    return _by_pk


@contextlib.contextmanager
def member_at_hand(pk: int, found: list):
    """Within the block, MemberManager.get(pk=pk) answers with what member_query() found for
    pk (a one-item or empty list), as it would have itself."""
    token = _at_hand.set((pk, found))
    try:
        yield
    finally:
        _at_hand.reset(token)


class MemberManager(UserManager):
    def get(self, *args, **kwargs):
        """get(pk=<int>), how the authentication backends find the member of a session on every
        request of theirs, from the compiled statement; any other lookup as the ORM does it."""
        pk = kwargs.get("pk")
        # the model itself (not a migration's historical one), asked for one id
        if args or len(kwargs) != 1 or type(pk) is not int or self.model is not User:
            return super().get(*args, **kwargs)
        at_hand = _at_hand.get()
        if at_hand is not None and at_hand[0] == pk and self.db == "default":
            found = at_hand[1]
        else:
            found = _by_pk.objects(pk=pk, using=self.db)
        if not found:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return found[0]


class User(AbstractUser):
    """A member of the community; authors and editors are members too."""

    objects = MemberManager()

    display_name = models.CharField(
        _("публичное имя"), max_length=80, blank=True, validators=[validate_one_line]
    )
    bio = models.TextField(_("о себе"), max_length=2000, blank=True)
    avatar = models.ImageField(_("аватар"), upload_to="avatars/%Y/%m/", blank=True)
    # Kept by the discussions services in the same transaction as the rows they count.
    comments_count = models.PositiveIntegerField(_("комментарии"), default=0, editable=False)
    score = models.IntegerField(_("рейтинг"), default=0, editable=False)
    notify_replies = models.BooleanField(_("письма об ответах на мои комментарии"), default=True)
    notify_article_comments = models.BooleanField(
        _("письма о новых комментариях к моим статьям"), default=True
    )
    notify_followed_articles = models.BooleanField(
        _("письма о новых статьях авторов, на которых я подписан"), default=False
    )
    commenting_banned_reason = models.CharField(
        _("причина запрета комментировать"), max_length=300, blank=True
    )
    commenting_banned_until = models.DateTimeField(
        _("комментировать запрещено до"), null=True, blank=True
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        return (self.public_name[:1] or "?").upper()

    @property
    def is_new(self) -> bool:
        """Joined within NEW_ACCOUNT_AGE: such members may be held to slower rate limits."""
        return self.date_joined > timezone.now() - settings.NEW_ACCOUNT_AGE

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})
