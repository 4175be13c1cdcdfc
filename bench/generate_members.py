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


def make_users(cursor, rng, members: int, now: float, tz, timings: Timings) -> int:
    from django.contrib.auth.hashers import make_password

    password = make_password(BENCH_PASSWORD)
    columns = [
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
        "email", "is_staff", "is_active", "date_joined", "display_name", "bio", "avatar",
        "commenting_banned_reason", "commenting_banned_until", "comments_count",
        "notify_article_comments", "notify_replies", "score",
    ]  # fmt: skip
    first_names = ["Анна", "Иван", "Мария", "Олег", "Ирина", "Дмитрий", "Ольга", "Сергей"]
    last_names = ["Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова"]

    def rows():
        for user_id in range(1, members + 1):
            username = BENCH_MEMBER if user_id == members else f"member{user_id:05d}"
            joined = datetime.datetime.fromtimestamp(now - rng.uniform(30, 3 * 365) * DAY, tz)
            name = ""
            if user_id <= AUTHORS or rng.random() < 0.3:
                name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
            bio = "Продаю IT-услуги десять лет." if user_id <= AUTHORS else ""
            yield (
                user_id, password, None, False, username, "", "", f"{username}@example.com",
                False, True, joined, name, bio, "", "", None, 0, True, True, 0,
            )  # fmt: skip

    progress = Progress("members", members)
    copy_rows(cursor, "accounts_user", columns, rows(), progress)
    set_sequence(cursor, "accounts_user")
    timings.add("members", progress.close())
    return members
