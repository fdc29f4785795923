"""Realign's domain: store, forecast, optimisation, quotas and metrics. No Streamlit here."""
