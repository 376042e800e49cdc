"""Returns to the supplier (RMA): defective items put on a return, shipped
back to their supplier, and the return closed with the credit note."""

from . import models  # noqa: F401
