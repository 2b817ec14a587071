"""Interchange: the ledger's facts in open standards, for other systems.

- ``interchange.epcis``: GS1 EPCIS 2.0 JSON-LD documents of a lot's or a facility's events
  (shipping, receiving, dispensing, destroying, holding), lots named by GS1 Digital Link.
- ``interchange.fhir``: HL7 FHIR (R4B) ``SupplyDelivery`` resources for received shipments
  and ``Medication`` resources naming a lot, ready for an ``Immunization`` to reference.

Reads ``inventory.queries`` results only; builds documents, writes nothing.
"""
