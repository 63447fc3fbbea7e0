from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Chinese first: the UI speaks zh-Hans unless the person chose otherwise.

    Order: the signed-in user's saved language, then the language cookie (set by the switcher, also before login),
    then settings.LANGUAGE_CODE. The browser's Accept-Language is deliberately ignored for pages — an English
    browser in a Chinese service desk must not flip the UI — but honoured for /api/, where integrations ask for
    the language of error messages explicitly. Runs after LocaleMiddleware and AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = user.language if user is not None and user.is_authenticated else ""
        if language not in self.supported:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.supported and not request.path.startswith("/api/"):
            language = settings.LANGUAGE_CODE
        if language in self.supported:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
