"""Site-wide rows: the view buffer's applied batches, shared counters, the chat block."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlushedBatch(models.Model):
    """A batch of buffered views already applied; its unique id makes applying it twice fail."""

    batch_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.batch_id


class Counter(models.Model):
    """A counter every worker shares when there is no Redis (rate limits, view caps); one row
    per key, changed by single atomic upserts (articles.counters)."""

    name = models.CharField(max_length=250, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.BigIntegerField(db_index=True)  # Unix time: compared as plain numbers

    def __str__(self) -> str:
        return self.name


class ChatBlock(models.Model):
    """The community chat shown on every page; one row, edited in the admin. With Telegram
    configured, `manage.py sync_chat` stores the count it reads (telegram/services.py) and puts it
    into members_count unless an editor pinned that by hand."""

    name = models.CharField(_("название чата"), max_length=100)
    url = models.URLField(_("ссылка"))
    members_count = models.PositiveIntegerField(_("участников"), default=0)
    members_pinned = models.BooleanField(
        _("число вручную"),
        default=False,
        help_text=_("Показывать число, введённое здесь, а не прочитанное из Telegram."),
    )
    telegram_count = models.PositiveIntegerField(
        _("участников по данным Telegram"), null=True, blank=True, editable=False
    )
    telegram_read_at = models.DateTimeField(
        _("прочитано из Telegram"), null=True, blank=True, editable=False
    )
    call_to_action = models.CharField(_("призыв"), max_length=100)
    is_visible = models.BooleanField(_("показывать"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("блок чата")
        verbose_name_plural = _("блок чата")

    def __str__(self) -> str:
        return self.name
