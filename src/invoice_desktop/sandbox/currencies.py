"""The currencies an organisation can enable in Xero, with the names GET /Currencies gives them.

An organisation always has its base currency; the others are enabled in Settings > Currencies (the sandbox's admin
page, or SandboxControl.enable_currency). The codes are ISO 4217 codes that xero-python's CurrencyCode enum knows,
so every answer parses in the SDK.
"""

from __future__ import annotations

CURRENCY_NAMES: dict[str, str] = {
    "AUD": "Australian Dollar", "BRL": "Brazilian Real", "CAD": "Canadian Dollar", "CHF": "Swiss Franc",
    "CNY": "Chinese Yuan", "DKK": "Danish Krone", "EUR": "Euro", "FJD": "Fiji Dollar", "GBP": "British Pound",
    "HKD": "Hong Kong Dollar", "IDR": "Indonesian Rupiah", "INR": "Indian Rupee", "JPY": "Japanese Yen",
    "KRW": "South Korean Won", "MYR": "Malaysian Ringgit", "NOK": "Norwegian Krone", "NZD": "New Zealand Dollar",
    "PGK": "Papua New Guinean Kina", "PHP": "Philippine Peso", "SEK": "Swedish Krona", "SGD": "Singapore Dollar",
    "THB": "Thai Baht", "TWD": "New Taiwan Dollar", "USD": "United States Dollar", "VND": "Vietnamese Dong",
    "WST": "Samoan Tala", "ZAR": "South African Rand",
}  # fmt: skip


def currency_json(code: str) -> dict[str, str]:
    return {"Code": code, "Description": CURRENCY_NAMES.get(code, code)}
