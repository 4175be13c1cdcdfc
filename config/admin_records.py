"""Admin pages of records nobody edits by hand (logs, reports): readable by those with the view
permission, never added, changed or deleted there."""


class RecordsOnlyAdmin:
    """A ModelAdmin mixin: the records are written by the services, the admin only shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
