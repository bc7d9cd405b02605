// TEMPORARY local placeholder while the PostgreSQL backend lands from its branch; never committed.
