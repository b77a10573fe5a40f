"""URLs of the alerts pages (included at the site root by fangpin.web.urls)."""

urlpatterns: list = []
