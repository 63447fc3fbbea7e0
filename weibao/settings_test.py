"""Test settings: the real database and code, with fast hashing, immediate tasks and in-memory mail."""

import os

os.environ.setdefault("WEIBAO_SECRET_KEY", "test-secret-key-not-for-production")

from weibao.settings import *  # noqa: E402, F403
from weibao.settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "imports", "inbound"],
    }
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
# Issue 18: only managers dispatch unless a test says otherwise (the default rule depends on the time of day).
WEIBAO_DUTY_DISPATCH = "never"
# Report snapshots (core.snapshots) are recomputed on every read, so a test sees the data it has just written;
# the snapshot tests set an age of their own.
WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # In-memory test database per xdist worker; the file named in DATABASE_URL is never touched.
    DATABASES["default"]["TEST"] = {"NAME": None}
# WhiteNoise warns on every request when STATIC_ROOT is missing (collectstatic never runs for tests).
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
