"""Where the engine keeps its state: SQLAlchemy tables and every query against them."""
