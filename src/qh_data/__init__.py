"""qh_data: the data layer of the provincial planning steering dashboard (no Streamlit here)."""

__version__ = "0.1.0"
