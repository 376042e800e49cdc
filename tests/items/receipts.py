"""An open receipt made as a receiver makes one: upload a list, commit it."""

import io
import re

HX = {"HX-Request": "true"}


def open_receipt_url(client, *, supplier="ACME", warehouse="MAIN", sku="PHONE-1", serials=("SN-1", "SN-2", "SN-3"),
                     reference="PO-77") -> str:
    listed = ("serial,sku\n" + "".join(f"{s},{sku}\n" for s in serials)).encode()
    staged = client.post(
        "/receiving/uploads", headers=HX, content_type="multipart/form-data",
        data={"supplier": supplier, "warehouse": warehouse, "reference": reference, "product": sku,
              "condition": "regular", "ownership": "owned", "file": (io.BytesIO(listed), "list.csv")},
    )
    staged_id = re.search(r"/receiving/uploads/(\d+)/commit", staged.get_data(as_text=True)).group(1)
    done = client.post(f"/receiving/uploads/{staged_id}/commit", data={"expected_invalid": "0"}, headers=HX)
    return done.headers["HX-Redirect"]
