"""Bulk import of clients from CSV or XLSX (managers; docs/operations.md).

parsing (the file to rows) → validation (one row) → staging (the rows in a temporary table,
then set-based writes) → services (the dry run and the import, all or nothing); report holds
what a check found. The `ImportRecord` model stays in clients.
"""
