"""The content plugin's views, one module an area; each has an ``includeme``."""
