"""PDF reports: ``data`` gathers what a report says, ``pdf`` renders it to bytes."""
