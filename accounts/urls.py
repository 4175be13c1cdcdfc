from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    # Before the profile pattern, so the word is never read as a username (the adapter reserves it).
    path("users/settings/", views.settings_view, name="settings"),
    path("users/<str:username>/", views.profile, name="profile"),
]
