from django.urls import path

from . import follow_views, views

app_name = "discussions"
urlpatterns = [
    path("articles/<int:article_id>/comments/", views.comment_create, name="comment_create"),
    path("articles/<int:pk>/vote/", views.article_vote, name="article_vote"),
    path("articles/<int:pk>/bookmark/", views.bookmark, name="bookmark"),
    path("articles/<int:pk>/discussion/", views.article_discussion, name="article_discussion"),
    path("articles/<int:pk>/thread/", views.thread_part, name="thread_part"),
    path("comments/<int:pk>/", views.comment, name="comment"),
    path("comments/<int:pk>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/vote/", views.comment_vote, name="comment_vote"),
    path("comments/<int:pk>/report/", views.comment_report, name="comment_report"),
    path("comments/<int:pk>/moderate/", views.comment_moderate, name="comment_moderate"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("follows/<slug:kind>/<int:pk>/", follow_views.follow, name="follow"),
    path("feed/", follow_views.feed, name="feed"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
