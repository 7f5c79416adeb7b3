"""chain: see ARCHITECTURE.md."""
