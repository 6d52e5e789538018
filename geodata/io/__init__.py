"""Reading, checking, importing and exporting users' files (no database access)."""
