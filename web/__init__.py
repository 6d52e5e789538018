"""The HTTP side of zonemap: the ``st.App`` that serves app.py, with zonemap's own routes and middleware.

``web.server`` holds ``app`` (started by ``scripts/serve.py``); ``web.startup``
the process set-up and the start-up imports; ``web.auth_routes`` the session
cookie's two routes; ``web.guard`` the middleware (Host check, security headers,
uploads only for signed-in editors, with limits). Streamlit is imported here
but no page code: the layers below (access, geodata) do the work.
"""
