"""Who may do what with members' accounts, and the names of the roles.

The roles are groups made by discussions/migrations/0003_roles.py (the last app in the dependency
chain, so every permission they hold exists by then): editors write and moderate, moderators only
moderate, superusers do everything. Accounts, their roles, permissions, passwords and emails are
managed by superusers alone: whoever could change them could make themselves superuser.
"""

EDITORS = "Редакторы"
MODERATORS = "Модераторы"


def can_manage_users(user) -> bool:
    """Only an active superuser adds, changes or deletes accounts and sees their private fields."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)
