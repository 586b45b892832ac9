"""The e2e tests' local server, for the pages' examples that need one."""

from tests.e2e.conftest import moto_endpoint, server, start_server

__all__ = ["moto_endpoint", "server", "start_server"]
