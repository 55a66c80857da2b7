"""The OpenAPI document served at /api/v1/openapi.json is valid OpenAPI 3.1 and describes
exactly the /api/v1 routes the app registers, each with the scope its view requires."""
import re

from openapi_spec_validator import validate

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def registered(app) -> dict[tuple[str, str], object]:
    """(path as OpenAPI writes it, method) -> view function, for every /api/v1 route."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
            for method in rule.methods - IGNORED_METHODS:
                routes[(path, method.lower())] = app.view_functions[rule.endpoint]
    return routes


def test_the_document_is_served_and_valid(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    assert document["servers"] == [{"url": PREFIX}]
    validate(document)  # raises on anything that is not OpenAPI


def test_every_route_is_described_and_nothing_else(app, client):
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    described = {(path, method) for path, item in document["paths"].items() for method in item
                 if method in {"get", "put", "post", "delete", "patch"}}
    assert described == set(registered(app))
    assert ("/inspections", "post") in described and ("/openapi.json", "get") in described


def test_each_operation_names_the_scope_its_view_requires(app, client):
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    for (path, method), view in registered(app).items():
        operation = document["paths"][path][method]
        required = getattr(view, "required_scope", None)
        if required is None:
            assert operation["security"] == [], f"{method} {path} needs no token"
        else:
            assert operation["security"] == [{"token": [required.value]}], f"{method} {path}"
            assert "401" in operation["responses"] and "403" in operation["responses"]
