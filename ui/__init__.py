"""Streamlit-side helpers and pure chart/map builders shared by the pages."""
