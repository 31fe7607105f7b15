"""Only the TOTP pages are left here (moving to ``web/auth``); the coordinator area is ``web/coordinator``."""
