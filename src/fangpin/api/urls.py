from django.urls import path

from fangpin.api.api import api

urlpatterns = [path("v1/", api.urls)]
