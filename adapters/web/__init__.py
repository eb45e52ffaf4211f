"""The web adapter: the Pyramid application, its shell (layouts, errors, staff area) and API."""
