"""Request and response bodies, paired per resource: ``XCreate`` in, ``XPublic`` out."""
