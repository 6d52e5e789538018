"""Data loading, validation and storage for zonemap (no Streamlit here)."""
