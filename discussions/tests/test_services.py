import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, ArticleDailyStats
from discussions import services
from discussions.models import (
    MAX_DEPTH,
    ArticleVote,
    Comment,
    CommentVote,
    ModerationLog,
    Notification,
    wilson_lower_bound,
)
from discussions.services import permissions


def _refresh(*objects):
    for obj in objects:
        obj.refresh_from_db()


def _today_stats(article):
    row = ArticleDailyStats.objects.filter(article=article, date=timezone.localdate()).first()
    return (row.comments, row.votes) if row else (0, 0)


def test_comment_counts_on_article_author_and_day(article, member, make_comment):
    make_comment()
    make_comment()
    _refresh(article, member)
    assert article.comments_count == 2
    assert member.comments_count == 2
    assert _today_stats(article) == (2, 0)


def test_deleting_a_comment_decrements_every_counter_once(article, member, make_comment):
    comment = make_comment()
    assert services.delete_comment(comment=comment, user=member) is True
    assert services.delete_comment(comment=comment, user=member) is False
    _refresh(article, member)
    assert (article.comments_count, member.comments_count) == (0, 0)
    assert _today_stats(article) == (0, 0)


def test_hide_and_restore_move_counters_and_are_logged(article, member, moderator, make_comment):
    comment = make_comment()
    assert services.hide_comment(comment=comment, moderator=moderator, reason="спам")
    _refresh(article, member)
    assert (article.comments_count, member.comments_count) == (0, 0)
    assert services.restore_comment(comment=comment, moderator=moderator)
    _refresh(article, member)
    assert (article.comments_count, member.comments_count) == (1, 1)
    actions = list(ModerationLog.objects.values_list("action", "moderator", "reason"))
    assert ("hide", moderator.pk, "спам") in actions
    assert ("restore", moderator.pk, "") in actions


def test_restore_leaves_a_comment_its_author_deleted(member, moderator, make_comment):
    comment = make_comment()
    services.delete_comment(comment=comment, user=member)
    assert services.restore_comment(comment=comment, moderator=moderator) is False
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED


def test_reply_depth_is_capped(article, member, other_member, make_comment):
    parent = make_comment()
    for level in range(MAX_DEPTH + 2):
        parent = make_comment(author=other_member if level % 2 == 0 else member, parent=parent)
    assert parent.depth == MAX_DEPTH


def test_reply_must_belong_to_the_same_article(make_article, member, make_comment):
    parent = make_comment()
    elsewhere = make_article()
    with pytest.raises(ValidationError):
        services.create_comment(article=elsewhere, author=member, body="Ответ", parent=parent)


def test_reply_to_a_deleted_comment_is_refused(member, other_member, make_comment):
    parent = make_comment()
    services.delete_comment(comment=parent, user=member)
    with pytest.raises(ValidationError):
        make_comment(author=other_member, parent=parent)


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_empty_comment_is_refused(make_comment, body):
    with pytest.raises(ValidationError, match="Напишите текст"):
        make_comment(body=body)


def test_too_long_comment_is_refused_with_the_limit(settings, make_comment):
    settings.COMMENT_MAX_LENGTH = 50
    with pytest.raises(ValidationError, match="50"):
        make_comment(body="я" * 51)
    assert Comment.objects.count() == 0


def test_quick_double_post_is_a_duplicate(article, member, make_comment):
    first = make_comment(body="Одно и то же")
    with pytest.raises(services.DuplicateComment) as caught:
        make_comment(body="  Одно и то же ")
    assert caught.value.comment == first
    article.refresh_from_db()
    assert article.comments_count == 1


def test_same_text_under_another_article_is_fine(make_article, member, make_comment):
    make_comment(body="Спасибо!")
    make_comment(body="Спасибо!", article=make_article())
    assert Comment.objects.count() == 2


def test_barred_member_cannot_comment_until_the_ban_ends(member, make_comment):
    member.commenting_banned_reason = "спам"
    member.commenting_banned_until = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(PermissionDenied, match="спам"):
        make_comment()
    member.commenting_banned_until = timezone.now() - datetime.timedelta(minutes=1)
    make_comment()


def test_closed_discussion_refuses_comments(article, make_comment):
    article.discussion_closed = True
    with pytest.raises(PermissionDenied, match="закрыто"):
        make_comment()


def test_draft_article_refuses_comments(make_article, make_comment):
    draft = make_article(status=Article.Status.DRAFT)
    with pytest.raises(PermissionDenied):
        make_comment(article=draft)


def test_edit_within_window_marks_edited(member, make_comment):
    comment = make_comment(body="Было")
    services.edit_comment(comment=comment, user=member, body="Стало *так*")
    comment.refresh_from_db()
    assert comment.edited_at is not None
    assert "<em>так</em>" in comment.body_html


def test_edit_after_window_or_by_someone_else_is_refused(member, other_member, make_comment):
    comment = make_comment()
    with pytest.raises(PermissionDenied):
        services.edit_comment(comment=comment, user=other_member, body="Чужое")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    comment.refresh_from_db()
    with pytest.raises(PermissionDenied, match="15"):
        services.edit_comment(comment=comment, user=member, body="Поздно")


def test_vote_change_and_take_back(article, member, other_member, make_comment):
    comment = make_comment()
    assert services.cast_vote(user=other_member, target=comment, value=1).score == 1
    assert services.cast_vote(user=other_member, target=comment, value=-1).score == -1
    comment.refresh_from_db()
    member.refresh_from_db()
    assert (comment.upvotes, comment.downvotes, member.score) == (0, 1, -1)
    assert services.cast_vote(user=other_member, target=comment, value=0).score == 0
    assert CommentVote.objects.count() == 0
    member.refresh_from_db()
    assert member.score == 0


def test_article_vote_moves_article_author_and_daily_votes(article, member):
    services.cast_vote(user=member, target=article, value=1)
    services.cast_vote(user=member, target=article, value=1)  # a repeat changes nothing
    article.refresh_from_db()
    article.author.refresh_from_db()
    assert (article.score, article.author.score) == (1, 1)
    assert ArticleVote.objects.count() == 1
    assert _today_stats(article) == (0, 1)
    services.cast_vote(user=member, target=article, value=-1)
    assert _today_stats(article) == (0, -1)


def test_no_voting_on_own_content(article, member, make_comment):
    comment = make_comment()
    with pytest.raises(PermissionDenied):
        services.cast_vote(user=member, target=comment, value=1)
    with pytest.raises(PermissionDenied):
        services.cast_vote(user=article.author, target=article, value=1)


def test_vote_value_outside_plus_minus_one_is_refused(article, member):
    with pytest.raises(ValidationError):
        services.cast_vote(user=member, target=article, value=5)


def test_database_refuses_a_second_vote_and_a_bad_value(article, member):
    ArticleVote.objects.create(user=member, article=article, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleVote.objects.create(user=member, article=article, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleVote.objects.filter(user=member).update(value=2)


def test_no_votes_on_deleted_comments(member, other_member, make_comment):
    comment = make_comment()
    services.delete_comment(comment=comment, user=member)
    with pytest.raises(ValidationError):
        services.cast_vote(user=other_member, target=comment, value=1)


def test_reports_hide_a_comment_at_the_threshold_once(settings, make_user, make_comment, moderator):
    settings.COMMENT_HIDE_AFTER_REPORTS = 3
    comment = make_comment()
    reporters = [make_user() for _ in range(4)]
    for reporter in reporters[:2]:
        services.report_comment(comment=comment, reporter=reporter, reason="spam")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.VISIBLE
    services.report_comment(comment=comment, reporter=reporters[2], reason="rude")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    assert ModerationLog.objects.filter(action="auto_hide", moderator=None).count() == 1
    # An editor looked and restored it: one more report does not hide it behind their back.
    services.restore_comment(comment=comment, moderator=moderator)
    with pytest.raises(ValidationError, match="уже пожаловались"):
        services.report_comment(comment=comment, reporter=reporters[0], reason="spam")
    services.report_comment(comment=comment, reporter=reporters[3], reason="spam")
    comment.refresh_from_db()
    assert (comment.status, comment.reports_count) == (Comment.Status.VISIBLE, 4)


def test_report_own_comment_is_refused(member, make_comment):
    with pytest.raises(PermissionDenied):
        services.report_comment(comment=make_comment(), reporter=member, reason="spam")


def test_reply_notifies_parent_author_and_article_author_once_each(
    article, member, other_member, make_comment
):
    parent = make_comment()
    reply = services.create_comment(
        article=article, author=other_member, body="Ответ", parent=parent
    )
    kinds = set(Notification.objects.filter(comment=reply).values_list("recipient", "kind"))
    assert kinds == {(member.pk, "reply"), (article.author_id, "article_comment")}


def test_reply_email_is_sent_after_commit_with_unsubscribe_link(
    article, member, other_member, make_comment, django_capture_on_commit_callbacks
):
    parent = make_comment()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_comment(article=article, author=other_member, body="Ответ", parent=parent)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([member.email, article.author.email])
    reply_mail = next(m for m in mail.outbox if m.to == [member.email])
    assert "/unsubscribe/" in reply_mail.body
    assert reply_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_emails_respect_member_preferences(
    article, member, other_member, make_comment, django_capture_on_commit_callbacks
):
    parent = make_comment()
    member.notify_replies = False
    member.save()
    article.author.notify_article_comments = False
    article.author.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_comment(article=article, author=other_member, body="Ответ", parent=parent)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=member, kind="reply").exists()


def test_unsubscribe_token_switches_one_kind_off(member):
    token = services.unsubscribe_token(user=member, topic="replies")
    services.unsubscribe(token=token)
    member.refresh_from_db()
    assert (member.notify_replies, member.notify_article_comments) == (False, True)
    with pytest.raises(ValidationError):
        services.unsubscribe(token=token[:-2] + "xx")


def test_vote_notification_once_per_voter(member, other_member, make_comment):
    comment = make_comment()
    services.cast_vote(user=other_member, target=comment, value=1)
    services.cast_vote(user=other_member, target=comment, value=0)
    services.cast_vote(user=other_member, target=comment, value=1)
    assert Notification.objects.filter(kind="vote", recipient=member).count() == 1


def test_bookmarks_are_idempotent(article, member):
    services.set_bookmark(user=member, article=article, saved=True)
    services.set_bookmark(user=member, article=article, saved=True)
    assert member.bookmarks.count() == 1
    services.set_bookmark(user=member, article=article, saved=False)
    assert member.bookmarks.count() == 0


def test_ban_and_unban_are_logged_and_need_a_moderator(member, other_member, moderator):
    with pytest.raises(PermissionDenied):
        services.ban_commenter(member=member, moderator=other_member, reason="спам")
    services.ban_commenter(member=member, moderator=moderator, reason="спам")
    member.refresh_from_db()
    assert permissions.commenting_ban(member) == "спам"
    services.unban_commenter(member=member, moderator=moderator)
    member.refresh_from_db()
    assert permissions.commenting_ban(member) is None
    assert list(ModerationLog.objects.values_list("action", flat=True).order_by("id")) == [
        "ban",
        "unban",
    ]


def test_only_a_superuser_bans_staff(member, moderator, make_user):
    editor = make_user(username="other-editor", is_staff=True)
    chief = make_user(username="chief", is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied, match="только администратор"):
        services.ban_commenter(member=editor, moderator=moderator, reason="спор")
    editor.refresh_from_db()
    assert not editor.commenting_banned_reason
    services.ban_commenter(member=editor, moderator=chief, reason="спор")
    editor.refresh_from_db()
    assert editor.commenting_banned_reason == "спор"


def test_moderating_without_the_ban_permission_cannot_ban(member, make_user):
    hider = make_user(username="hider", is_staff=True)
    hider.user_permissions.add(Permission.objects.get(codename="change_comment"))
    assert permissions.can_moderate(hider) and not permissions.can_ban(hider)
    with pytest.raises(PermissionDenied):
        services.ban_commenter(member=member, moderator=hider, reason="спам")


def test_close_discussion_needs_a_moderator_and_is_logged(article, member, moderator):
    with pytest.raises(PermissionDenied):
        services.set_discussion_closed(article=article, moderator=member, closed=True)
    assert services.set_discussion_closed(article=article, moderator=moderator, closed=True)
    article.refresh_from_db()
    assert article.discussion_closed
    assert ModerationLog.objects.get().action == "close"


def test_recount_repairs_every_counter(article, member, other_member, make_comment):
    comment = make_comment()
    services.cast_vote(user=other_member, target=comment, value=1)
    services.cast_vote(user=member, target=article, value=-1)
    Article.objects.update(comments_count=7, participants_count=4, replies_count=2, score=5)
    Comment.objects.update(score=3, upvotes=3, downvotes=0)
    member.__class__.objects.update(comments_count=9, score=9)
    fixed = services.recount_counters()
    assert fixed["articles"] == 1 and fixed["comments"] == 1
    _refresh(article, member, comment)
    article.author.refresh_from_db()
    assert (article.comments_count, article.score) == (1, -1)
    assert (article.participants_count, article.replies_count) == (1, 0)
    assert (comment.score, comment.upvotes) == (1, 1)
    assert (member.comments_count, member.score) == (1, 1)
    assert article.author.score == -1
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}


def test_participants_and_replies_follow_every_change_of_visibility(
    article, member, other_member, moderator, make_comment
):
    def talk():
        article.refresh_from_db()
        return article.participants_count, article.replies_count

    question = make_comment()
    assert talk() == (1, 0)
    monologue = make_comment(parent=question)  # answering oneself is not a reply
    assert talk() == (1, 0)
    answer = make_comment(author=other_member, parent=question)
    assert talk() == (2, 1)
    assert [c.answers_other for c in (question, monologue, answer)] == [False, False, True]
    services.hide_comment(comment=answer, moderator=moderator)
    assert talk() == (1, 0)
    services.restore_comment(comment=answer, moderator=moderator)
    assert talk() == (2, 1)
    # the answer still counts when the question it answered is gone
    services.delete_comment(comment=question, user=member)
    assert talk() == (2, 1)
    services.delete_comment(comment=answer, user=other_member)
    assert talk() == (1, 0)


def test_wilson_prefers_many_good_votes_over_few():
    assert wilson_lower_bound(0, 0) == 0
    assert wilson_lower_bound(50, 5) > wilson_lower_bound(3, 0) > wilson_lower_bound(3, 3)


def test_an_article_deleted_takes_its_comments_votes_without_looking_them_up_by_article(
    article, member, other_member, make_comment, django_assert_num_queries
):
    """A comment vote keeps its article for the member's page, but a deletion reaches the votes
    through the comments (the article has no index on the votes of its own)."""
    comment = make_comment(author=other_member)
    services.cast_vote(user=member, target=comment, value=1)
    vote = CommentVote.objects.get(comment=comment)
    assert vote.article_id == article.pk, "the vote knows the comment's article"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).delete()
    assert not CommentVote.objects.filter(pk=vote.pk).exists()
    by_article = [
        q["sql"]
        for q in captured.captured_queries
        if "discussions_commentvote" in q["sql"] and '"article_id" IN' in q["sql"]
    ]
    assert by_article == [], by_article
