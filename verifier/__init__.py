"""verifier: see ARCHITECTURE.md."""
