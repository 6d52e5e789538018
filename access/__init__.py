"""Who may change the data: editor accounts, sign-in throttling and signed sessions (no Streamlit here).

Sits beside storage, not inside it: it uses :mod:`geodata.store` for the audit
and never opens a database itself.
"""
