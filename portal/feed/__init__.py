"""The event feed: every ledger movement and every order change, in commit order, each once."""
