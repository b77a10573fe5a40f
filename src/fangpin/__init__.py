"""fangpin (防贫): dynamic monitoring and assistance against return to poverty, for a county."""

__version__ = "0.1.0"
