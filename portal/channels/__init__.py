"""Sales channels: the web shop, the marketplaces and the shop counter, each
reading and changing the one record through the API with its own accounts."""
