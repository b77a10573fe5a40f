"""URLs of the cases pages (included at the site root by fangpin.web.urls)."""

urlpatterns: list = []
