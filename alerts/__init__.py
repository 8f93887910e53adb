"""Watches, alerts, their delivery (e-mail, SMS gateway, in-app) and the scheduled jobs that drive them."""
