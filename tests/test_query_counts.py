"""Pages keep a constant number of queries however much data there is."""
from trainer.people.models import Role
from tests import factories


def queries_for(app, client, count_queries, url):
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_module_pages_do_not_grow_with_progress(app, client, count_queries):
    with app.app_context():
        factories.load_content()
        email = factories.user().email
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    client.get("/modules/")  # reads the content catalogue, which later pages find kept (content/catalogue.py)
    before = queries_for(app, client, count_queries, "/modules/")
    for n in range(1, 4):
        client.get(f"/modules/inspection-areas/{n}")
        client.get(f"/modules/early-warning/{n}")
    after = queries_for(app, client, count_queries, "/modules/")
    assert before == after <= 5  # the person, the catalogue's stamp, their reading, completions, assignments
    assert queries_for(app, client, count_queries, "/dashboard") <= 7  # + certificates, notifications
    assert queries_for(app, client, count_queries, "/modules/inspection-areas/2") <= 10


def test_people_list_does_not_grow_with_people(app, client, count_queries):
    with app.app_context():
        factories.load_content()
        dept = factories.department()
        email = factories.user(Role.HR, dept=dept).email
        for _ in range(3):
            factories.user(dept=dept)
    client.post("/login", data={"login": email, "password": factories.PASSWORD})
    client.get("/people/")  # reads the content catalogue once
    few = queries_for(app, client, count_queries, "/people/")
    with app.app_context():
        for _ in range(30):
            factories.user(dept=dept)
    many = queries_for(app, client, count_queries, "/people/")
    assert few == many <= 7
    admin_few = None
    with app.app_context():
        admin_email = factories.user(Role.ADMIN, dept=dept).email
    client.post("/logout")
    client.post("/login", data={"login": admin_email, "password": factories.PASSWORD})
    admin_few = queries_for(app, client, count_queries, "/admin/users")
    with app.app_context():
        for _ in range(10):
            factories.user(dept=dept)
    assert queries_for(app, client, count_queries, "/admin/users") == admin_few
