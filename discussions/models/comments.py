"""Comments and the votes on comments and articles."""

import math

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article

from .. import markup

# Replies deeper than this stay at this depth and name whom they answer.
MAX_DEPTH = 4


def wilson_lower_bound(up: int, down: int, z: float = 1.96) -> float:
    """Lower bound of the 95% confidence interval of the share of upvotes: the "best" order."""
    n = up + down
    if n == 0:
        return 0.0
    phat = up / n
    return (phat + z * z / (2 * n) - z * math.sqrt((phat * (1 - phat) + z * z / (4 * n)) / n)) / (
        1 + z * z / n
    )


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Comments everyone may read."""
        return self.filter(status=Comment.Status.VISIBLE)

    def reachable_by(self, user, *, moderator: bool):
        """Comments this person may open, vote on, report, edit or delete: visible ones and
        their own under public articles; moderators reach every comment."""
        if moderator:
            return self.all()
        reachable = Q(status=Comment.Status.VISIBLE)
        if user.is_authenticated:
            reachable |= Q(author=user)
        return self.filter(reachable).filter(
            article__status=Article.Status.PUBLISHED, article__published_at__lte=timezone.now()
        )

    def in_moderation_queue(self):
        """Comments with open reports, the longest waiting first, with the count of their open
        reports, when the first came, and those reports with their authors."""
        from .moderation import Report  # defined after Comment, which it points at

        is_open = Q(reports__closed_at__isnull=True, reports__isnull=False)
        return (
            self.filter(pk__in=Report.objects.open().values("comment_id"))
            .annotate(
                open_reports=models.Count("reports", filter=is_open),
                first_reported_at=models.Min("reports__created_at", filter=is_open),
            )
            .select_related("author", "article")
            .defer("body_html", "author__bio", "article__body", "article__body_html")
            .prefetch_related(
                models.Prefetch(
                    "reports",
                    queryset=Report.objects.open()
                    .select_related("reporter")
                    .order_by("created_at"),
                    to_attr="open_report_list",
                )
            )
            .order_by("first_reported_at", "id")
        )

    def for_thread(self, article):
        """Every comment of one article with its author, in one query, oldest first.

        Hidden and deleted comments are included: they hold their replies' place in the thread.
        """
        return (
            self.filter(article=article)
            .select_related("author")
            .defer("body", "author__bio", "author__password")
            .order_by("created_at", "id")
        )

    def by_author(self, user):
        """A member's visible comments under public articles, newest first, for their profile."""
        return (
            self.visible()
            .filter(
                author=user,
                article__status=Article.Status.PUBLISHED,
                article__published_at__lte=timezone.now(),
            )
            .select_related("article")
            .only(
                "id",
                "body_html",
                "score",
                "created_at",
                "edited_at",
                "article_id",
                "author_id",
                "status",
                "article__title",
                "article__slug",
            )
            .order_by("-created_at", "-id")
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("виден")
        HIDDEN = "hidden", _("скрыт")
        DELETED = "deleted", _("удалён")

    article = models.ForeignKey(
        Article, verbose_name=_("статья"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("автор"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("ответ на"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    depth = models.PositiveSmallIntegerField(_("уровень"), default=0, editable=False)
    # A reply to another member's comment (not to one's own): a conversation, which "Обсуждаемое"
    # counts. Set once when the reply is written; neither author can change afterwards.
    answers_other = models.BooleanField(_("ответ другому участнику"), default=False, editable=False)
    body = models.TextField(_("текст"))
    body_html = models.TextField(_("текст в HTML"), editable=False, blank=True)
    status = models.CharField(
        _("статус"), max_length=10, choices=Status.choices, default=Status.VISIBLE
    )
    score = models.IntegerField(_("рейтинг"), default=0, editable=False)
    upvotes = models.PositiveIntegerField(_("плюсы"), default=0, editable=False)
    downvotes = models.PositiveIntegerField(_("минусы"), default=0, editable=False)
    reports_count = models.PositiveIntegerField(_("жалобы"), default=0, editable=False)
    created_at = models.DateTimeField(_("написан"), default=timezone.now, editable=False)
    edited_at = models.DateTimeField(_("изменён"), null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("комментарий")
        verbose_name_plural = _("комментарии")
        ordering = ["-created_at", "-id"]
        # A ban is on the member's row, but it is a moderation decision, so its permission lives
        # here with the others moderators hold (discussions.services.permissions.can_ban).
        permissions = [("ban_commenter", _("Может запрещать участникам комментировать"))]
        indexes = [
            models.Index(fields=["article", "created_at", "id"], name="comment_thread_idx"),
            models.Index(fields=["author", "-created_at"], name="comment_author_idx"),
            models.Index(fields=["status", "-reports_count"], name="comment_moderation_idx"),
            # "Обсуждаемое" reads the month's visible comments from this index alone (PostgreSQL).
            models.Index(
                fields=["created_at"],
                include=["article", "author", "answers_other"],
                condition=Q(status="visible"),
                name="comment_recent_visible_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["visible", "hidden", "deleted"]),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(depth__lte=MAX_DEPTH), name="%(app_label)s_%(class)s_depth_capped"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
                name="%(app_label)s_%(class)s_depth_matches_parent",
            ),
            models.CheckConstraint(
                condition=Q(score=models.F("upvotes") - models.F("downvotes")),
                name="%(app_label)s_%(class)s_score_is_net_votes",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.body[:60]}"

    def save(self, *args, **kwargs):
        self.body_html = markup.render_comment(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("discussions:comment", kwargs={"pk": self.pk})

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def thread_url(self) -> str:
        """The comment in its article's thread (the part that holds it), where the permanent
        link leads."""
        from ..reading import comment_url  # the thread renders comments: it imports this module

        return comment_url(self)

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.VISIBLE

    @property
    def wilson(self) -> float:
        return wilson_lower_bound(self.upvotes, self.downvotes)

    def editable_until(self):
        return self.created_at + settings.COMMENT_EDIT_WINDOW


def _vote_constraints(target: str) -> list:
    return [
        models.UniqueConstraint(
            fields=["user", target], name="%(app_label)s_%(class)s_one_vote_per_user"
        ),
        models.CheckConstraint(
            condition=Q(value__in=[-1, 1]), name="%(app_label)s_%(class)s_value_plus_or_minus_one"
        ),
    ]


class CommentVoteQuerySet(models.QuerySet):
    def values_by_comment(self, *, user_id: int, comment_ids: list[int]) -> dict[int, int]:
        """{comment id: this member's vote} on these comments. Plain SQL: the ORM takes longer to
        build the query for a part's forty ids than the database takes to answer it, on every
        page a member reads."""
        if not comment_ids:
            return {}
        table = self.model._meta.db_table
        placeholders = ", ".join(["%s"] * len(comment_ids))
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"SELECT comment_id, value FROM {table} "  # noqa: S608 (names, not input)
                f"WHERE user_id = %s AND comment_id IN ({placeholders})",
                [user_id, *comment_ids],
            )
            return dict(cursor.fetchall())


class CommentVote(models.Model):
    # No index of its own: the member's votes are found by (user, comment) and (user, article).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comment_votes",
        db_index=False,
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    # The comment's article, so that a member's votes in one discussion are found by the member
    # and the article (the article page asks on every member's visit), not by going through all
    # their votes; a comment never moves to another article. Its votes go with the comment when an
    # article is deleted (its comments cascade), so Django need not look them up by the article,
    # which has no index of its own (the key is checked at the commit).
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        verbose_name=_("статья"),
    )
    value = models.SmallIntegerField(_("голос"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommentVoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("голос за комментарий")
        verbose_name_plural = _("голоса за комментарии")
        constraints = _vote_constraints("comment")
        indexes = [models.Index(fields=["user", "article"], name="commentvote_member_article_idx")]

    def __str__(self) -> str:
        return f"{self.value:+d} #{self.comment_id}"

    def save(self, *args, **kwargs):
        # (bulk_create() skips this: its callers give the article, and NOT NULL holds them to it)
        if self.article_id is None and self.comment_id is not None:
            self.article_id = self.comment.article_id
        super().save(*args, **kwargs)


class ArticleVote(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_votes"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("голос"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("голос за статью")
        verbose_name_plural = _("голоса за статьи")
        constraints = _vote_constraints("article")

    def __str__(self) -> str:
        return f"{self.value:+d} {self.article_id}"
