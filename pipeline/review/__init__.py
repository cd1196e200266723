"""`pipeline review`: a local web app where editors read and correct translations.

``project`` holds what the app shows and how it saves, without any web framework (saving goes
through ``importing.apply``, exactly what ``pipeline import`` does); ``pages`` renders HTML on the
server; ``app`` is the Starlette application with its guard (token, Host, Origin, CSP) and the
uvicorn server. Starlette and uvicorn are an optional extra (``review``): only ``app`` imports them.
"""
