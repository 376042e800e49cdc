"""Pages of defects and quarantine."""
