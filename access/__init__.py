"""Who may change the data: editor accounts, sign-in throttling and sessions (no Streamlit here).

Sits beside storage, not inside it: it uses :mod:`geodata.store` for the audit
and the sessions table and never opens a database itself.
"""
