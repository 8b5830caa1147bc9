"""juesuan (决算): ETL and verified warehouse for Chinese department final-accounts reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("juesuan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"
