from tests.api._server import api, api_server  # noqa: F401 - fixtures
