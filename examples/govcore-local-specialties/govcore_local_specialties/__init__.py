"""govcore-local-specialties: an example third-party govcore plugin (地方特产).

``plugin.py`` holds the hook implementations govcore calls; ``domain.py`` and ``services.py`` the
framework-free rules and use cases; ``orm.py``, ``migrations/``, ``web.py``, ``templates/`` and
``static/`` are its adapters to the database and the web.
"""
