from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "fangpin.bench"
    label = "bench"
    verbose_name = "Benchmarks"
