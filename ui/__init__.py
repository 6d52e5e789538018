"""Streamlit building blocks shared by the pages (widgets, cached data, panels)."""
