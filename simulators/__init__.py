"""Seeded fridge, freezer and cold-box models that publish real MQTT readings.

Imports only ingest's wire format.
"""
