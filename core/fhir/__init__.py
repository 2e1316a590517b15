"""FHIR R4 input: Bundles and bulk-export NDJSON, reference resolution, records built from
resources, model input within a token budget, and strict validation."""
