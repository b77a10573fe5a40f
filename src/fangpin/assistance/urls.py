"""URLs of the assistance pages (included at the site root by fangpin.web.urls)."""

urlpatterns: list = []
