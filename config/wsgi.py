"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from apps.core.textinput import CharsetGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# A charset that is no text encoding makes Django fail while it builds the request, before
# its middleware can answer: such requests are refused in front of it.
application = CharsetGuard(get_wsgi_application())
