"""The admin's login form checks passwords through the same throttles as GraphQL's login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts import services


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """Django's admin login form, with `services.check_password` in place of `authenticate`.

    So the admin shares the per-IP login throttle and the per-account lockout, and says which
    one refused the attempt.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.check_password(
                    self.request, username=username, password=password
                )
            except (services.Throttled, services.AccountLocked) as error:
                raise ValidationError(str(error), code="throttled") from error
            except services.InvalidCredentials as error:
                raise self.get_invalid_login_error() from error
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = ThrottledAdminAuthenticationForm
