"""The catalogue file format: the JSON schema, loading and export (catalogue.py) and the one
spreadsheet-safe CSV writer (csvfiles.py)."""
