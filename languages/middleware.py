"""After Django's LocaleMiddleware (the language cookie, then the browser's Accept-Language):
a signed-in person's chosen language, kept in their session, wins."""

from django.utils import translation

from .services import SESSION_KEY, is_offered


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if chosen and is_offered(chosen) and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
