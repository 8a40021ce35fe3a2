from django.urls import path

from kicks.views import kick_audio

app_name = "kicks"

urlpatterns = [
    path("<int:user_id>/<uuid:kick_uuid>.wav", kick_audio, name="audio"),
]
