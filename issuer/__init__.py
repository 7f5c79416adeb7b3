"""issuer: see ARCHITECTURE.md."""
