"""Icons, styles and other files the app loads at run time (see invoice_desktop.paths.resource_path)."""
