//! Helpers for the workspace acceptance suite (see `acceptance/`).
