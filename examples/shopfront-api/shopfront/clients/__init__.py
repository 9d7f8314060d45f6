"""Clients for the shop's outside providers: payments, shipping, tax rates."""
