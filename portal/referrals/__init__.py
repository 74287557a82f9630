from portal.referrals.routes import bp

__all__ = ["bp"]
