"""Invoice Desktop: sales invoices kept in step with Xero."""

__version__ = "0.1.0"
APP_NAME = "Invoice Desktop"
APP_ID = "InvoiceDesktop"
