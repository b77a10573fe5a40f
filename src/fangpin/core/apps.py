from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fangpin.core"
    label = "core"
