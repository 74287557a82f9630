from portal.admin.routes import bp
from portal.admin import audit  # noqa: E402,F401  (its view registers on bp)

__all__ = ["bp"]
