"""The demo office: its organisation and people (office), a year of each client's history
(history), the partners (partners); the data they draw from (vocabulary) and the bulk
writer (writer)."""
