"""URLs of the screening pages (included at the site root by fangpin.web.urls)."""

urlpatterns: list = []
