from django.apps import AppConfig


class TokengateConfig(AppConfig):
    name = "tokengate"
    verbose_name = "Token Gate"
    default_auto_field = "django.db.models.BigAutoField"
