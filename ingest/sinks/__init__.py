"""Telemetry stores: InfluxDB v1 (/write), InfluxDB v2 (influxdb-client) and the embedded SQL
store. Each implements ``ingest.sinks.base.Sink``."""
