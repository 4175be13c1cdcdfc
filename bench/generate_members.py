"""Members for bench/generate.py: the first AUTHORS write the articles, the last is the bench's
logged-in member."""

import datetime

from generate_common import (
    AUTHORS,
    BENCH_MEMBER,
    BENCH_PASSWORD,
    DAY,
    Progress,
    Timings,
    copy_rows,
    set_sequence,
)

# accounts_user: what every generated member has, then the columns in the order COPY writes them.
MEMBER_DEFAULTS = {
    "last_login": None,
    "is_superuser": False,
    "first_name": "",
    "last_name": "",
    "is_staff": False,
    "is_active": True,
    "avatar": "",
    "commenting_banned_reason": "",
    "commenting_banned_until": None,
    "comments_count": 0,
    "notify_article_comments": True,
    "notify_replies": True,
    "notify_followed_articles": False,
    "score": 0,
}
MEMBER_COLUMNS = (
    "id password last_login is_superuser username first_name last_name email is_staff is_active "
    "date_joined display_name bio avatar commenting_banned_reason commenting_banned_until "
    "comments_count notify_article_comments notify_replies notify_followed_articles score"
).split()
FIRST_NAMES = ["Анна", "Иван", "Мария", "Олег", "Ирина", "Дмитрий", "Ольга", "Сергей"]
LAST_NAMES = ["Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова"]


def make_users(cursor, rng, members: int, now: float, tz, timings: Timings) -> int:
    from django.contrib.auth.hashers import make_password

    password = make_password(BENCH_PASSWORD)

    def rows():
        for user_id in range(1, members + 1):
            username = BENCH_MEMBER if user_id == members else f"member{user_id:05d}"
            joined = datetime.datetime.fromtimestamp(now - rng.uniform(30, 3 * 365) * DAY, tz)
            name = ""
            if user_id <= AUTHORS or rng.random() < 0.3:
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            member = {
                **MEMBER_DEFAULTS,
                "id": user_id,
                "password": password,
                "username": username,
                "email": f"{username}@example.com",
                "date_joined": joined,
                "display_name": name,
                "bio": "Продаю IT-услуги десять лет." if user_id <= AUTHORS else "",
            }
            yield tuple(member[column] for column in MEMBER_COLUMNS)

    progress = Progress("members", members)
    copy_rows(cursor, "accounts_user", MEMBER_COLUMNS, rows(), progress)
    set_sequence(cursor, "accounts_user")
    timings.add("members", progress.close())
    return members
