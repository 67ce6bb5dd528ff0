"""Server-side SVG charts: one renderer for a page and for a WeasyPrint PDF."""
