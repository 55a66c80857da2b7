"""People ready to sit the inspector exam: content loaded, its modules read."""
import pytest

from tests import factories
from tests.factories import read_modules


@pytest.fixture
def person(ctx):
    factories.load_content()
    person = factories.user()
    read_modules(person, "inspector")
    return person


@pytest.fixture
def candidate(app, client):
    """The same, signed in with the test client; its id."""
    with app.app_context():
        factories.load_content()
        person = factories.user()
        read_modules(person, "inspector")
        email, person_id = person.email, person.id
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    return person_id
