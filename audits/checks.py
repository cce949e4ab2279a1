"""System checks for settings that would make the app misbehave in production."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def lockouts_see_the_clients_address(app_configs, **kwargs):
    """Behind a proxy, login lockouts must read the client's address from X-Forwarded-For: else
    every visitor shares the proxy's address, and AXES_ADDRESS_FAILURE_LIMIT failed logins by
    anyone pause sign-in for everyone."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.AXES_IPWARE_PROXY_COUNT:
        return [
            checks.Warning(
                "The app runs behind a proxy (SECURE=true) but AXES_PROXY_COUNT is not set: login lockouts "
                "would count every visitor as the proxy's address, so a few hundred wrong passwords from "
                "anyone would pause sign-in for everyone.",
                hint="Set AXES_PROXY_COUNT to the number of reverse proxies in front of the app (1 for nginx).",
                id="clearaudit.W001",
            )
        ]
    return []
