"""Follows: members follow rubrics, tags and authors; "Моя лента" reads them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Rubric, Tag, TaggedArticle

# What a member may follow: the name in addresses, and the key of Follow that points at it.
TARGETS = ("rubric", "tag", "author")


class FollowQuerySet(models.QuerySet):
    def of(self, user):
        """One member's follows with what each points at, newest first (the settings list)."""
        return (
            self.filter(member=user)
            .select_related("rubric", "tag", "author")
            .only(
                "id",
                "created_at",
                "rubric__name",
                "rubric__slug",
                "tag__name",
                "tag__slug",
                "author__username",
                "author__display_name",
            )
            .order_by("-created_at", "-id")
        )

    def feed_for(self, user):
        """The public articles of what a member follows, newest first: one query whatever they
        follow (three subqueries), ready for card_states()."""
        mine = self.filter(member=user)
        tagged = TaggedArticle.objects.filter(
            tag_id__in=mine.filter(tag__isnull=False).values("tag_id")
        ).values("content_object_id")
        return (
            Article.objects.published()
            .filter(
                Q(rubric_id__in=mine.filter(rubric__isnull=False).values("rubric_id"))
                | Q(author_id__in=mine.filter(author__isnull=False).values("author_id"))
                | Q(id__in=tagged)
            )
            .newest_first()
        )


class Follow(models.Model):
    """A member follows one rubric, one tag or one author: exactly one of the three keys is set."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("участник"),
        on_delete=models.CASCADE,
        related_name="follows",
    )
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("рубрика"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    tag = models.ForeignKey(
        Tag, verbose_name=_("тег"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("автор"),
        on_delete=models.CASCADE,
        null=True,
        related_name="followers",
    )
    created_at = models.DateTimeField(_("с"), auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        verbose_name = _("подписка")
        verbose_name_plural = _("подписки")
        indexes = [models.Index(fields=["member", "-created_at"], name="follow_member_idx")]
        constraints = [
            *(
                models.UniqueConstraint(
                    fields=["member", target],
                    condition=Q(**{f"{target}__isnull": False}),
                    name=f"%(app_label)s_%(class)s_one_per_{target}",
                )
                for target in TARGETS
            ),
            models.CheckConstraint(
                condition=(
                    Q(rubric__isnull=False, tag__isnull=True, author__isnull=True)
                    | Q(rubric__isnull=True, tag__isnull=False, author__isnull=True)
                    | Q(rubric__isnull=True, tag__isnull=True, author__isnull=False)
                ),
                name="%(app_label)s_%(class)s_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(author=models.F("member")),
                name="%(app_label)s_%(class)s_not_oneself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.target}"

    @property
    def target(self):
        return self.rubric or self.tag or self.author


class FollowersNotified(models.Model):
    """An article whose author's followers were told about it: the row is the claim, so two jobs
    at once notify each member once."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    notified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("рассылка подписчикам")
        verbose_name_plural = _("рассылки подписчикам")

    def __str__(self) -> str:
        return str(self.article_id)
