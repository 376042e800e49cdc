import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def refused_form(db_snapshot):
    """``refused_form(client, path, data, form_id, message)`` posts an HTMX form the server must refuse:
    422 with the form again, naming the problem, and nothing saved. Returns the answer's text."""

    def post(client, path: str, data: dict, form_id: str, message: str) -> str:
        before = db_snapshot()
        response = client.post(path, data=data, headers=HX)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert text.lstrip().startswith(f'<form id="{form_id}"')
        assert message in text
        assert db_snapshot() == before
        return text

    return post
