"""Receipts through the JSON API and the CLI: the same service as the pages."""

import io
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Movement, Receipt, SerialItem
from tests.receiving.files import csv_bytes, multipart, serial_list


@pytest.fixture
def api(app, make_supplier, make_warehouse, make_product, make_user):
    from portal.auth.services import issue_token

    make_supplier(code="ACME", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    user = make_user(role="receiver")
    operator = make_user(role="operator")
    with app.app_context():
        from portal.models import User

        token = issue_token(db.session, user=db.session.get(User, user.id), name="t")[1]
        operator_token = issue_token(db.session, user=db.session.get(User, operator.id), name="t")[1]
        db.session.commit()
    client = app.test_client()

    def post(path, content=None, token=token, **fields):
        data = {"supplier": "ACME", "warehouse": "MAIN", "reference": "ASN-5", "product": "PHONE-1", **fields}
        if content is not None:
            data["file"] = (io.BytesIO(content), "list.csv")
        return client.post(path, data=data, headers={"Authorization": f"Bearer {token}"},
                           content_type="multipart/form-data", csrf=False)

    def get(path):
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    post.get = get
    post.operator_token = operator_token
    post.token = token
    return post


def test_dry_run_answers_200_with_the_preview_and_saves_nothing(api, fresh):
    response = api("/api/v1/receipts", serial_list(3), dry_run="true")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["rows"], body["valid"], body["invalid"], body["can_commit"]) == (3, 3, 0, True)
    assert body["mapping"]["columns"] == {"serial": "Serial"}
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0


def test_commit_answers_201_with_the_receipt_and_its_counts(api, fresh):
    response = api("/api/v1/receipts", serial_list(3))
    assert response.status_code == 201
    receipt = response.get_json()["receipt"]
    assert receipt["counts"] == {"listed": 3, "expected": 3, "received": 0, "missing": 0, "unexpected": 0}
    assert response.headers["Location"].endswith(f"/api/v1/receipts/{receipt['id']}")
    got = api.get(f"/api/v1/receipts/{receipt['id']}").get_json()
    assert got["reference"] == "ASN-5" and got["status"] == "open"
    received = api(f"/api/v1/receipts/{receipt['id']}/receive-all")
    assert received.status_code == 200 and received.get_json()["received"] == 3
    closed = api(f"/api/v1/receipts/{receipt['id']}/close").get_json()
    assert closed["marked_missing"] == 0 and closed["receipt"]["status"] == "closed"
    assert closed["receipt"]["counts"]["received"] == 3
    again = api(f"/api/v1/receipts/{receipt['id']}/close")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "receipt_closed"


def test_refusal_answers_422_with_structured_row_errors(api, fresh):
    raw = csv_bytes([["IMEI"], ["490154203237518"], ["490154203237517"], [""], ["n/a"]])
    response = api("/api/v1/receipts", raw)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid_rows"
    assert body["rows"] == 3 and body["valid"] == 1
    assert body["errors"][0] == {"row": 3, "column": "IMEI", "value": "490154203237517", "code": "invalid_imei",
                                 "message": "This IMEI's check digit is wrong: a digit was mistyped or misread."}
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(SerialItem)) == 0
    skipped = api("/api/v1/receipts", raw, skip_invalid="true")
    assert skipped.status_code == 201 and skipped.get_json()["receipt"]["skipped_rows"] == 2


def test_unreadable_file_bad_fields_duplicate_file_and_roles(api):
    unreadable = api("/api/v1/receipts", csv_bytes([["Article", "Qty"], ["A", "1"]]))
    assert unreadable.status_code == 422
    assert unreadable.get_json()["error"]["code"] == "no_serial_column"
    assert unreadable.get_json()["error"]["details"]["columns"] == ["Article", "Qty"]
    bad = api("/api/v1/receipts", serial_list(1), supplier="NOPE", reference="")
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]) == {"supplier", "reference"}
    assert api("/api/v1/receipts").get_json()["error"]["code"] == "file_required"
    first = api("/api/v1/receipts", serial_list(2))
    duplicate = api("/api/v1/receipts", serial_list(2))
    assert duplicate.status_code == 409
    assert duplicate.get_json()["error"]["details"]["receipt_id"] == first.get_json()["receipt"]["id"]
    assert api("/api/v1/receipts", serial_list(2), token=api.operator_token).status_code == 403
    assert api.get("/api/v1/receipts/999").status_code == 404


def test_openapi_documents_the_receipt_endpoints(api, app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/receipts", "/receipts/{receipt_id}", "/receipts/{receipt_id}/receive-all",
            "/receipts/{receipt_id}/close"} <= set(document["paths"])


@pytest.fixture
def app_config():
    return {"MAX_UPLOAD_MB": 1}


def test_too_large_upload_answers_json_413(api, app):
    body, content_type = multipart(b"S\n" + b"X" * (1024 * 1024 + 10), supplier="ACME")
    response = app.test_client().post("/api/v1/receipts", data=body, content_type=content_type,
                                      headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 413
    assert response.get_json()["error"] == {"code": "too_large",
                                            "message": "The file is larger than the 1 MB this portal accepts."}


def test_cli_import_prints_the_same_summary(app, api, tmp_path, fresh):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([["Serial"], ["C-1"], ["C-2"], ["c-1"]]))
    runner = app.test_cli_runner()
    args = ["receipts", "import", str(path), "--supplier", "ACME", "--warehouse", "MAIN", "--reference", "PO-9",
            "--product", "PHONE-1"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0
    assert "Rows read: 3  valid: 2  with errors: 1" in refused.output and "duplicate_in_file" in refused.output
    dry = runner.invoke(args=args + ["--dry-run"])
    assert "Dry run: nothing was saved." in dry.output
    done = runner.invoke(args=args + ["--skip-invalid"])
    assert done.exit_code == 0, done.output
    assert "Receipt #" in done.output and "2 serials listed, 1 invalid rows skipped" in done.output
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(SerialItem)) == 2


@pytest.mark.postgres_only
def test_two_overlapping_lists_committed_at_once_one_wins_the_other_is_told_which(app, api, dialect):
    """Both pass their preview; committed at the same moment, one wins and the
    other is refused naming the colliding serials; nothing partial is saved."""
    if dialect != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL")
    a = csv_bytes([["Serial"]] + [[f"A-{i}"] for i in range(2000)] + [[f"BOTH-{i}"] for i in range(5)])
    b = csv_bytes([["Serial"]] + [[f"B-{i}"] for i in range(2000)] + [[f"BOTH-{i}"] for i in range(5)])
    assert api("/api/v1/receipts", a, dry_run="1").get_json()["can_commit"]
    assert api("/api/v1/receipts", b, dry_run="1").get_json()["can_commit"]
    barrier = threading.Barrier(2)
    results = {}

    def commit(name, content):
        client = app.test_client()
        barrier.wait()
        results[name] = client.post(
            "/api/v1/receipts", headers={"Authorization": f"Bearer {api.token}"}, content_type="multipart/form-data",
            data={"supplier": "ACME", "warehouse": "MAIN", "reference": name, "product": "PHONE-1",
                  "file": (io.BytesIO(content), f"{name}.csv")})

    threads = [threading.Thread(target=commit, args=(n, c)) for n, c in (("A", a), ("B", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [201, 422], statuses
    loser = next(r.get_json() for r in results.values() if r.status_code == 422)
    assert {e["code"] for e in loser["errors"]} == {"already_in_system"}
    assert sorted(e["value"] for e in loser["errors"]) == [f"BOTH-{i}" for i in range(5)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SerialItem)) == 2005
        assert db.session.scalar(select(func.count()).select_from(Movement)) == 2005
        assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1
        db.session.remove()
