"""De-identification of medical JSON: detectors, replacement strategies and reports."""
