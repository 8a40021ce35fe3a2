from django.apps import AppConfig


class KicksConfig(AppConfig):
    name = "kicks"
    verbose_name = "AI kicks"
